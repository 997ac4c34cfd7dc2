-- One run's summary row (see the runs view).
SELECT * FROM runs WHERE run_id = $run_id;

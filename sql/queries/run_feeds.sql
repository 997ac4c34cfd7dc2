-- What happened to each feed in one run.
SELECT feed_name AS feed, feed_url, status, http_status, error, entries, new_entries, round(elapsed_s, 3) AS elapsed_s
FROM run_feed
WHERE run_id = $run_id
ORDER BY status <> 'failed', feed_name;

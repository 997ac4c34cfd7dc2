-- Entries decided in one run, with their outcome and reason.
SELECT feed, title, link, outcome, reason, article_id
FROM entries
WHERE last_run_id = $run_id
ORDER BY outcome, feed, title;

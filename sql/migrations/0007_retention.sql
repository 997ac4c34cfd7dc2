-- Retention: `newsmon prune` empties old articles' text and near-duplicate buckets but keeps the
-- row (id, URL, title, dates), its theme matches and its alerts.
ALTER TABLE article ADD COLUMN pruned_at TIMESTAMP;

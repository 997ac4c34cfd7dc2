-- The baseline articles that define the tracked themes.
CREATE OR REPLACE VIEW baselines AS
SELECT file, title, theme_ids, length(text) AS chars, text, sha256, loaded_at
FROM baseline;

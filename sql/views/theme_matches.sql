-- Every article scored against every theme, with the evidence: the passage that matched and the
-- baseline passage it echoes. contested_by: the other theme whose strong match on the same article
-- scaled this theme's score down, where that could decide the match (config/themes.toml, round 16).
CREATE OR REPLACE VIEW theme_matches AS
SELECT
    m.article_id,
    m.theme_id AS theme,
    m.score,
    m.matched,
    m.passage,
    m.baseline_passage,
    m.scored_at,
    a.title,
    a.url,
    a.site,
    a.published_at,
    a.fetched_at,
    m.concepts,
    m.contested_by
FROM theme_match m
LEFT JOIN article a ON a.id = m.article_id;

-- Near-duplicate detection: one row per article and LSH band (see pipeline/neardup.py).
-- bucket holds the band number in its top byte and the band's hash below, so one column
-- and one equality join find every stored article sharing a band with a new one.
CREATE TABLE article_lsh (
    bucket      BIGINT NOT NULL,
    article_id  BIGINT NOT NULL
);

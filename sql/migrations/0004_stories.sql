-- Stories: articles about the same event, written independently (see pipeline/stories.py).
-- story_id is the id of the story's first article; story_terms are the stemmed content words of
-- the headline and lead that stories are matched on.
ALTER TABLE article ADD COLUMN story_id BIGINT;
ALTER TABLE article ADD COLUMN story_terms TEXT[];
ALTER TABLE article ADD COLUMN story_similarity DOUBLE;

-- Round 16 (pipeline/themes.py, ThemeMatcher._contest): when another theme matched the same article
-- strongly and scaled this theme's score down, the other theme's id (NULL when it did not decide).
ALTER TABLE theme_match ADD COLUMN contested_by TEXT;

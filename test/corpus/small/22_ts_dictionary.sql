-- corpus: text search dictionaries and a configuration mapping to them
-- exercises: CREATE TEXT SEARCH DICTIONARY (simple with stopwords, snowball), a
--   configuration with its own mappings, a stored generated tsvector column using it
-- source: written for this corpus; generated tsvector columns calling tenant objects are the
--   shape of https://github.com/debate-map/app/issues/189
-- requires: 15
CREATE TEXT SEARCH DICTIONARY my_simple (TEMPLATE = pg_catalog.simple, STOPWORDS = english, ACCEPT = false);
CREATE TEXT SEARCH DICTIONARY my_stem (TEMPLATE = pg_catalog.snowball, LANGUAGE = english);
CREATE TEXT SEARCH CONFIGURATION my_cfg (PARSER = pg_catalog."default");
ALTER TEXT SEARCH CONFIGURATION my_cfg ADD MAPPING FOR asciiword, word WITH my_simple, my_stem;
ALTER TEXT SEARCH CONFIGURATION my_cfg ADD MAPPING FOR int, uint WITH simple;
COMMENT ON TEXT SEARCH DICTIONARY my_stem IS 'english stemmer';
CREATE TABLE note (id int PRIMARY KEY, body text,
  tsv tsvector GENERATED ALWAYS AS (to_tsvector('my_cfg'::regconfig, coalesce(body, ''))) STORED);
CREATE INDEX note_tsv ON note USING gin (tsv);
INSERT INTO note (id, body) VALUES (1, 'The runners were running 42 laps');

-- corpus: tenant text search configuration used by an index
-- exercises: CREATE TEXT SEARCH CONFIGURATION (COPY = pg_catalog.simple) referenced by a
--   regconfig constant inside an expression index
-- source: issue #12 item 5, input verbatim
-- requires: 15
CREATE TEXT SEARCH CONFIGURATION cfg (COPY = pg_catalog.simple); CREATE TABLE doc (body
text); CREATE INDEX ON doc USING gin (to_tsvector('cfg'::regconfig, body));

INSERT INTO doc VALUES ('the quick brown fox'), ('jumps over the lazy dog');

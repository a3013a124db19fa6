-- corpus: custom aggregate used by a view
-- exercises: CREATE AGGREGATE over a SQL transition function; a view that calls it
--   (pre-data order function -> aggregate -> view)
-- source: issue #12 item 1, input verbatim; the same shape was reported against
--   clone_schema: https://github.com/denishpatel/pg-clone-schema/pull/50
-- requires: 15
CREATE FUNCTION _cat(text, text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT $1 || ',' || $2 $$;
CREATE AGGREGATE cat(text) (SFUNC = _cat, STYPE = text);
CREATE TABLE t (g int, v text);
CREATE VIEW t_cat AS SELECT g, cat(v) FROM t GROUP BY g;

INSERT INTO t VALUES (1, 'a'), (1, 'b'), (2, 'c');

-- corpus: function pinned with SET search_path FROM CURRENT
-- exercises: pg_proc.proconfig holding the tenant's schema name
--   (search_path=<tenant schema>, public); a copy under another name must rewrite it
--   or it keeps reading the source tenant's table
-- source: issue #12 item 3 (shape described there; statements written for this corpus);
--   cf. https://github.com/denishpatel/pg-clone-schema/issues/57
-- requires: 15
CREATE TABLE people (id int PRIMARY KEY, name text NOT NULL);
CREATE FUNCTION count_people() RETURNS bigint
  LANGUAGE sql STABLE
  SET search_path FROM CURRENT
  AS $$ SELECT count(*) FROM people $$;
-- a second pinned setting next to search_path, so a rewrite must keep the list intact
CREATE FUNCTION people_names() RETURNS SETOF text
  LANGUAGE plpgsql STABLE
  SET search_path FROM CURRENT
  SET work_mem = '8MB'
  AS $$ BEGIN RETURN QUERY SELECT name FROM people ORDER BY id; END $$;

INSERT INTO people VALUES (1, 'a'), (2, 'b'), (3, 'c');

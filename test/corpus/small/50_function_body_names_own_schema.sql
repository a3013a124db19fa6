-- corpus: function bodies that name their own schema
-- exercises: a plpgsql body and a SQL body that schema-qualify the tenant's own table,
--   a view that does the same, and a column default; on import under another name these
--   keep pointing at the source tenant unless rewritten (import --as refuses such a body)
-- placeholder: __TENANT_SCHEMA__ stands for the schema the file is loaded into; the loader
--   replaces every occurrence with that schema name before running the file. This is
--   the ONLY corpus file with a schema name in it, because schema-qualification is the point.
-- source: issue #12 "A clone never points at its source"; cf.
--   https://github.com/denishpatel/pg-clone-schema/issues/57
-- requires: 15
CREATE TABLE people (id int PRIMARY KEY, name text);
CREATE SEQUENCE people_ids;
CREATE FUNCTION count_people_q() RETURNS bigint LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN (SELECT count(*) FROM __TENANT_SCHEMA__.people);
END $$;
CREATE FUNCTION first_person() RETURNS text LANGUAGE sql STABLE
  AS $$ SELECT name FROM __TENANT_SCHEMA__.people ORDER BY id LIMIT 1 $$;
ALTER TABLE people ALTER COLUMN id SET DEFAULT nextval('__TENANT_SCHEMA__.people_ids');
INSERT INTO people (name) VALUES ('x'), ('y');

-- corpus: column-level and object grants
-- exercises: GRANT SELECT (cols) / UPDATE (col) ON a table, GRANT on a view, a sequence
--   and a function, REVOKE EXECUTE FROM PUBLIC; all grantees are PUBLIC so the file
--   needs no role (grants to named roles are left out: roles are cluster-wide)
-- source: written for this corpus (issue #12 "What to build": column grants)
-- requires: 15
CREATE TABLE person (id int PRIMARY KEY, name text, salary numeric);
GRANT SELECT (id, name), UPDATE (name) ON person TO PUBLIC;
CREATE VIEW person_names AS SELECT id, name FROM person;
GRANT SELECT ON person_names TO PUBLIC;
CREATE SEQUENCE ticket;
GRANT USAGE ON SEQUENCE ticket TO PUBLIC;
CREATE FUNCTION raise_all(pct numeric) RETURNS void LANGUAGE sql AS $$ UPDATE person SET salary = salary * (1 + pct / 100) $$;
REVOKE EXECUTE ON FUNCTION raise_all(numeric) FROM PUBLIC;
CREATE FUNCTION person_count() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM person $$;

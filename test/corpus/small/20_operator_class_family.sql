-- corpus: operator family and operator class (superuser only)
-- exercises: CREATE OPERATOR FAMILY, CREATE OPERATOR CLASS with a tenant support
--   function, a loose family member added by ALTER OPERATOR FAMILY, an index using the class
-- note: CREATE OPERATOR FAMILY / CLASS require superuser on PostgreSQL 15-18, so a
--   tenant built by a non-superuser admin cannot contain these
-- source: written for this corpus (issue #12 "What to build": operator classes and families)
-- requires: 15
-- requires: superuser
CREATE FUNCTION rev_cmp(a int4, b int4) RETURNS int4 LANGUAGE sql IMMUTABLE STRICT
  AS $$ SELECT CASE WHEN a < b THEN 1 WHEN a > b THEN -1 ELSE 0 END $$;
CREATE OPERATOR FAMILY rev_int_ops USING btree;
CREATE OPERATOR CLASS rev_int4_ops FOR TYPE int4 USING btree FAMILY rev_int_ops AS
  OPERATOR 1 > , OPERATOR 2 >= , OPERATOR 3 = , OPERATOR 4 <= , OPERATOR 5 < ,
  FUNCTION 1 rev_cmp(int4, int4);
ALTER OPERATOR FAMILY rev_int_ops USING btree ADD FUNCTION 4 (int4, int4) btequalimage(oid);
CREATE TABLE t (a int);
CREATE INDEX t_a_rev ON t (a rev_int4_ops);
INSERT INTO t SELECT generate_series(1, 5);

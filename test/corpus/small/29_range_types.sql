-- corpus: range and multirange types
-- exercises: CREATE TYPE AS RANGE with a tenant SUBTYPE_DIFF function and an explicit
--   MULTIRANGE_TYPE_NAME, a range with a COLLATION, columns and an exclusion constraint on them
-- source: written for this corpus (issue #12 "What to build": range types)
-- requires: 15
CREATE FUNCTION f8_diff(a float8, b float8) RETURNS float8 LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT a - b $$;
CREATE TYPE floatrange AS RANGE (SUBTYPE = float8, SUBTYPE_DIFF = f8_diff, MULTIRANGE_TYPE_NAME = floatmultirange);
CREATE TYPE textrange_c AS RANGE (SUBTYPE = text, COLLATION = "C");
CREATE TABLE booking (id int PRIMARY KEY, span floatrange, spans floatmultirange, names textrange_c,
  EXCLUDE USING gist (span WITH &&));
INSERT INTO booking VALUES (1, '[1,2)', '{[1,2),[3,4)}', '[a,m)'), (2, '[2,3)', '{}', NULL);

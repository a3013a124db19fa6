-- corpus: moving-aggregate mode and combine function
-- exercises: CREATE AGGREGATE with MSFUNC / MINVFUNC / MSTYPE / MINITCOND, COMBINEFUNC,
--   PARALLEL SAFE; a view using it as a window function
-- source: written for this corpus (issue #12 "What to build": moving aggregates)
-- requires: 15
CREATE FUNCTION ma_add(s int8, v int) RETURNS int8 LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT s + v $$;
CREATE FUNCTION ma_sub(s int8, v int) RETURNS int8 LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT s - v $$;
CREATE FUNCTION ma_comb(a int8, b int8) RETURNS int8 LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT a + b $$;
CREATE AGGREGATE msum(int) (
  SFUNC = ma_add, STYPE = int8, INITCOND = '0', COMBINEFUNC = ma_comb,
  MSFUNC = ma_add, MINVFUNC = ma_sub, MSTYPE = int8, MINITCOND = '0',
  PARALLEL = SAFE
);
CREATE TABLE w (id int PRIMARY KEY, x int);
CREATE VIEW w_running AS
  SELECT id, msum(x) OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS s3 FROM w;
INSERT INTO w SELECT g, g * 10 FROM generate_series(1, 6) g;

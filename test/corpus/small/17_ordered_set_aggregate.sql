-- corpus: ordered-set aggregate
-- exercises: CREATE AGGREGATE name(direct args ORDER BY aggregated args) with
--   FINALFUNC_EXTRA and INITCOND; a view using it WITHIN GROUP
-- source: written for this corpus (issue #12 "What to build": ordered-set aggregates)
-- requires: 15
CREATE FUNCTION osa_sfunc(state float8[], v float8) RETURNS float8[]
  LANGUAGE sql IMMUTABLE AS $$ SELECT state || v $$;
CREATE FUNCTION osa_ffunc(state float8[], frac float8, v float8) RETURNS float8
  LANGUAGE sql IMMUTABLE AS $$ SELECT state[greatest(1, ceil(frac * cardinality(state))::int)] $$;
CREATE AGGREGATE nth_fraction(frac float8 ORDER BY v float8) (
  SFUNC = osa_sfunc, STYPE = float8[], INITCOND = '{}',
  FINALFUNC = osa_ffunc, FINALFUNC_EXTRA
);
CREATE TABLE m (g int, x float8);
CREATE VIEW m_median AS
  SELECT g, nth_fraction(0.5) WITHIN GROUP (ORDER BY x) AS median FROM m GROUP BY g;
INSERT INTO m VALUES (1, 3), (1, 1), (1, 2), (2, 10);

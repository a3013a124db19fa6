-- corpus: extended statistics objects
-- exercises: CREATE STATISTICS (ndistinct, dependencies, mcv), on expressions (14+),
--   ALTER STATISTICS SET STATISTICS, a comment
-- source: written for this corpus (issue #12 "What to build": statistics objects)
-- requires: 15
CREATE TABLE addr (zip text, city text, street text, n int);
CREATE STATISTICS addr_zip_city (ndistinct, dependencies) ON zip, city FROM addr;
CREATE STATISTICS addr_mcv (mcv) ON city, street FROM addr;
CREATE STATISTICS addr_expr ON lower(city), (n % 10) FROM addr;
ALTER STATISTICS addr_mcv SET STATISTICS 500;
COMMENT ON STATISTICS addr_zip_city IS 'zip determines city';

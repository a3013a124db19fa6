-- corpus: statistics targets and attribute options
-- exercises: per-column SET STATISTICS, per-index-column SET STATISTICS on an expression
--   index, column attribute options (n_distinct)
-- source: issue #12 item 5 ("per-column and per-index-column statistics targets")
-- requires: 15
CREATE TABLE t (a int, b int, c text);
ALTER TABLE t ALTER COLUMN a SET STATISTICS 500;
ALTER TABLE t ALTER COLUMN c SET STATISTICS 0;
ALTER TABLE t ALTER COLUMN b SET (n_distinct = -0.5, n_distinct_inherited = 100);
CREATE INDEX t_ab ON t ((a + b), lower(c));
ALTER INDEX t_ab ALTER COLUMN 1 SET STATISTICS 1000;
ALTER INDEX t_ab ALTER COLUMN 2 SET STATISTICS 50;

-- corpus: tenant collation used by a column
-- exercises: CREATE COLLATION in the tenant schema (ICU, nondeterministic) used by a
--   column, an index and a view; the copy must bind to its own collation, not the source's
-- source: issue #12 item 5, input verbatim (index and view added);
--   cf. https://github.com/denishpatel/pg-clone-schema/issues/5
-- requires: 15
-- requires: icu
CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE t (x text COLLATE ci);
CREATE INDEX t_x ON t (x);
CREATE VIEW t_v AS SELECT x, x = 'ABC' COLLATE ci AS is_abc FROM t;

INSERT INTO t VALUES ('abc'), ('ABC'), ('Abd');

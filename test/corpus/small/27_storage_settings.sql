-- corpus: storage settings
-- exercises: ALTER COLUMN SET STORAGE, SET COMPRESSION, table reloptions (heap and toast),
--   index reloptions, CLUSTER ON
-- source: written for this corpus (issue #12 "What to build": storage settings)
-- requires: 15
CREATE TABLE blob (id int PRIMARY KEY, a text, b text, c bytea, d int)
  WITH (fillfactor = 70, autovacuum_enabled = false, toast.autovacuum_enabled = false,
        toast_tuple_target = 256);
ALTER TABLE blob ALTER COLUMN a SET STORAGE EXTERNAL;
ALTER TABLE blob ALTER COLUMN b SET STORAGE MAIN;
ALTER TABLE blob ALTER COLUMN c SET COMPRESSION pglz;
ALTER TABLE blob SET (autovacuum_vacuum_scale_factor = 0.01, parallel_workers = 2);
CREATE INDEX blob_d ON blob (d) WITH (fillfactor = 50, deduplicate_items = off);
ALTER TABLE blob CLUSTER ON blob_d;

-- corpus: foreign table referencing a server (postgres_fdw)
-- exercises: CREATE FOREIGN TABLE with server, table and column options, a NOT NULL,
--   a comment; the server itself is database-level and is NOT part of the tenant: the
--   setup line below creates it in every database (source and restore target)
-- source: written for this corpus (issue #12 "What to build": foreign tables)
-- requires: 15
-- requires: extension postgres_fdw
-- setup: CREATE SERVER corpus_pgfdw_srv FOREIGN DATA WRAPPER postgres_fdw OPTIONS (dbname 'corpus_remote_db')
CREATE FOREIGN TABLE remote_orders (
  id int OPTIONS (column_name 'order_id') NOT NULL,
  total numeric
) SERVER corpus_pgfdw_srv OPTIONS (schema_name 'sales', table_name 'orders');
COMMENT ON FOREIGN TABLE remote_orders IS 'orders held in another database';
CREATE VIEW big_orders AS SELECT id FROM remote_orders WHERE total > 100;

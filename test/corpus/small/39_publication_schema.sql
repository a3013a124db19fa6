-- corpus: schema-level publication membership (superuser only)
-- exercises: ALTER PUBLICATION ... ADD TABLES IN SCHEMA CURRENT_SCHEMA (15+), which needs
--   superuser; the publication (fixed name corpus_pub_schema) is created by the setup line
-- source: written for this corpus (issue #12 "What to build": publication membership)
-- note: pg_dump -n writes no publication membership (publications and the tables they hold are
--   dumped only by a whole-database pg_dump), so the pg_dump oracle passes here without checking
--   it; a test must compare pg_publication_tables / pg_publication_namespace itself
-- requires: 15
-- requires: publication
-- requires: superuser
-- setup: CREATE PUBLICATION corpus_pub_schema
CREATE TABLE events (id int PRIMARY KEY, payload jsonb);
ALTER PUBLICATION corpus_pub_schema ADD TABLES IN SCHEMA CURRENT_SCHEMA;

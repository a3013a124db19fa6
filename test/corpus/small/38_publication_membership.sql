-- corpus: publication membership
-- exercises: tables added to a publication, one with a column list and a row filter (15+);
--   the publication is database-level and NOT part of the tenant: the setup line creates it
--   (fixed name corpus_pub) in every database, source and restore target
-- source: issue #12 item 5 ("publication membership" silently lost)
-- note: pg_dump -n writes no publication membership (publications and the tables they hold are
--   dumped only by a whole-database pg_dump), so the pg_dump oracle passes here without checking
--   it; a test must compare pg_publication_tables / pg_publication_namespace itself
-- requires: 15
-- requires: publication
-- setup: CREATE PUBLICATION corpus_pub
CREATE TABLE orders (id int PRIMARY KEY, total numeric, secret text);
CREATE TABLE lines (id int PRIMARY KEY, order_id int REFERENCES orders (id));
ALTER PUBLICATION corpus_pub ADD TABLE orders (id, total) WHERE (total > 0), lines;

-- corpus: unlogged sequences (PostgreSQL 15+)
-- exercises: CREATE UNLOGGED SEQUENCE with options, used by a default; an unlogged table
--   with an identity column (its sequence is unlogged too)
-- source: issue #12 item 5 ("UNLOGGED sequences")
-- requires: 15
CREATE UNLOGGED SEQUENCE s START 100 INCREMENT 5;
CREATE TABLE t (id bigint DEFAULT nextval('s') PRIMARY KEY, v text);
CREATE UNLOGGED TABLE u (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v text);
INSERT INTO t (v) VALUES ('a'), ('b');
INSERT INTO u (v) VALUES ('x');

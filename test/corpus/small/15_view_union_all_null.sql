-- corpus: view over UNION ALL with NULL
-- exercises: a view whose stored definition gains casts (NULL::text) on deparse
-- source: issue #12 item 5 ("a view over UNION ALL ... NULL")
-- requires: 15
CREATE TABLE a (id int, name text);
CREATE TABLE b (id int);
CREATE VIEW ab AS SELECT id, name FROM a UNION ALL SELECT id, NULL FROM b;
INSERT INTO a VALUES (1, 'one');
INSERT INTO b VALUES (2);

-- corpus: SQL-standard function and procedure bodies (BEGIN ATOMIC, 14+)
-- exercises: prosqlbody functions and procedures that record pg_depend edges to the
--   table, type and function they use; a default expression and a view calling them
-- source: written for this corpus (issue #12 "What to build": BEGIN ATOMIC)
-- requires: 15
CREATE TYPE status AS ENUM ('new', 'done');
CREATE TABLE task (id int PRIMARY KEY, title text, st status DEFAULT 'new');
CREATE FUNCTION open_tasks() RETURNS bigint LANGUAGE sql STABLE
  BEGIN ATOMIC SELECT count(*) FROM task WHERE st = 'new'::status; END;
CREATE FUNCTION next_task_id() RETURNS int LANGUAGE sql VOLATILE
  RETURN (SELECT coalesce(max(id), 0) + 1 FROM task);
CREATE PROCEDURE finish(p_id int) LANGUAGE sql
  BEGIN ATOMIC UPDATE task SET st = 'done' WHERE id = p_id; END;
CREATE TABLE task_note (task_id int DEFAULT next_task_id(), note text);
CREATE VIEW dashboard AS SELECT open_tasks() AS open;
INSERT INTO task VALUES (1, 'a'), (2, 'b');
CALL finish(1);

-- corpus: view calling a function whose argument is a table row type
-- exercises: dependency order table -> function(table row type) -> view; a fixed
--   bucket order (functions before tables, or views before functions) cannot restore it
-- source: issue #12 item 2, input verbatim; cf. "Reorder functions before views"
--   https://github.com/denishpatel/pg-clone-schema/issues/90
-- requires: 15
CREATE TABLE people (id int PRIMARY KEY, first text, last text);
CREATE FUNCTION full_name(p people) RETURNS text LANGUAGE sql AS $$ SELECT p.first || ' ' || p.last $$;
CREATE VIEW people_v AS SELECT id, full_name(p) AS n FROM people p;

INSERT INTO people VALUES (1, 'Ada', 'Lovelace'), (2, 'Alan', 'Turing');

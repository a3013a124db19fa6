-- corpus: CHECK constraint that PostgreSQL deparses differently from its input
-- exercises: kind IN ('a','b') on varchar(20) deparses as
--   ((kind)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[]));
--   verify must compare meaning, not spelling
-- source: issue #12 item 5, column verbatim
-- requires: 15
-- dump-differs: PostgreSQL deparses the restored CHECK again differently (ARRAY[...]::text[] becomes
--   ARRAY[(...)::text, ...]), so a second pg_dump differs in spelling, not in meaning
CREATE TABLE items (id int PRIMARY KEY, kind varchar(20) CHECK (kind IN ('a','b')));
INSERT INTO items VALUES (1, 'a'), (2, 'b');

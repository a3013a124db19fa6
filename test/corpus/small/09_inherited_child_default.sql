-- corpus: inherited child's own default (and own constraint)
-- exercises: a default set on an inherited column of the child only (attislocal = false,
--   pg_attrdef on the child) reading a tenant sequence; a child-only CHECK constraint
-- source: issue #12 item 5, input verbatim (rows and the CHECK added)
-- requires: 15
CREATE TABLE ev (id bigint NOT NULL, d text); CREATE TABLE ev_1 () INHERITS (ev); CREATE SEQUENCE ev_1_seq; ALTER TABLE ev_1 ALTER COLUMN id SET
      DEFAULT nextval('ev_1_seq');
ALTER TABLE ev_1 ADD CONSTRAINT ev_1_d_check CHECK (d <> '');

INSERT INTO ev_1 (d) VALUES ('one'), ('two');

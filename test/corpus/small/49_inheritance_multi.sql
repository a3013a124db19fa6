-- corpus: multiple inheritance and late INHERIT
-- exercises: a child of two parents (merged column), NO INHERIT CHECK on a parent, a child
--   with extra local columns, a table made a child after creation (ALTER TABLE ... INHERIT)
--   whose column order differs from the parent, an inherited CHECK
-- source: written for this corpus
-- requires: 15
-- dump-differs: pg_dump writes the late child as CREATE TABLE ... INHERITS, so the restored
--   copy has the inherited column first (column order of "later" changes: extra, created, name
--   becomes name, extra, created); a known pg_dump limitation
CREATE TABLE named (name text NOT NULL, CONSTRAINT named_nonempty CHECK (name <> ''));
CREATE TABLE dated (created date DEFAULT current_date, CONSTRAINT dated_only_here CHECK (created > '2000-01-01') NO INHERIT);
CREATE TABLE doc (body text, name text NOT NULL) INHERITS (named, dated);
CREATE TABLE later (extra int, created date, name text NOT NULL, CONSTRAINT named_nonempty CHECK (name <> ''));
ALTER TABLE later INHERIT named;
INSERT INTO doc (name, body) VALUES ('a', 'x');
INSERT INTO later (extra, name) VALUES (1, 'b');

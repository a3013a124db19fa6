-- corpus: exclusion constraints
-- exercises: EXCLUDE USING gist on a range, a DEFERRABLE exclusion constraint, an
--   exclusion with a WHERE predicate, EXCLUDE USING btree (WITH =), an INCLUDE column
-- source: written for this corpus (issue #12 "What to build": exclusion constraints)
-- requires: 15
CREATE TABLE reservation (id int PRIMARY KEY, room text, during tstzrange, cancelled bool DEFAULT false,
  CONSTRAINT no_overlap EXCLUDE USING gist (during WITH &&) WHERE (NOT cancelled),
  CONSTRAINT one_room_name EXCLUDE USING btree (room WITH =) INCLUDE (id) DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE zone (id int, area box, EXCLUDE USING gist (area WITH &&));
INSERT INTO reservation VALUES (1, 'a', '[2024-01-01,2024-01-02)', false), (2, 'b', '[2024-01-01,2024-01-03)', true);

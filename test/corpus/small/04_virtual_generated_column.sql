-- corpus: virtual generated column (PostgreSQL 18)
-- exercises: attgenerated = 'v'; an expression over another column that is not stored
--   (tenantctl verify crashed with "expression contains variables")
-- source: issue #12 item 4, column verbatim
-- requires: 18
CREATE TABLE film (
  film_id int PRIMARY KEY,
  title text NOT NULL,
  length int,
  length_hours numeric GENERATED ALWAYS AS (round(length / 60.0, 2)) VIRTUAL
);
INSERT INTO film (film_id, title, length) VALUES (1, 'A', 90), (2, 'B', 185), (3, 'C', NULL);

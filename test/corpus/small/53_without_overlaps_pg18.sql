-- corpus: temporal keys (PostgreSQL 18)
-- exercises: PRIMARY KEY / UNIQUE (..., valid_at WITHOUT OVERLAPS) and a temporal foreign key
--   FOREIGN KEY (..., PERIOD valid_at) REFERENCES ...; needs btree_gist for the int column
-- source: written for this corpus (PostgreSQL 18 additions a tenant schema can contain)
-- requires: 18
-- requires: extension btree_gist
CREATE TABLE room (id int, valid_at daterange, name text,
  PRIMARY KEY (id, valid_at WITHOUT OVERLAPS));
CREATE TABLE booking (id int, room_id int, valid_at daterange,
  PRIMARY KEY (id, valid_at WITHOUT OVERLAPS),
  FOREIGN KEY (room_id, PERIOD valid_at) REFERENCES room (id, PERIOD valid_at));
INSERT INTO room VALUES (1, '[2024-01-01,2025-01-01)', 'a');
INSERT INTO booking VALUES (1, 1, '[2024-02-01,2024-02-03)');

-- corpus: NOT NULL constraints as named catalog rows (PostgreSQL 18)
-- exercises: CONSTRAINT name NOT NULL, NOT NULL ... NO INHERIT, NOT NULL added NOT VALID,
--   a partitioned table whose partition, created standalone then attached, keeps its own
--   NOT NULL constraint name (it came back under the parent's name after a round trip)
-- source: issue #12 item 4 (partitions' NOT NULL names); statements written for this corpus
-- requires: 18
CREATE TABLE person (id int CONSTRAINT person_id_required NOT NULL, name text, nick text);
ALTER TABLE person ADD CONSTRAINT person_name_required NOT NULL name;
CREATE TABLE base (a int CONSTRAINT base_a_nn NOT NULL NO INHERIT, b int);
CREATE TABLE derived () INHERITS (base);
INSERT INTO person VALUES (1, 'x', NULL);
ALTER TABLE person ADD CONSTRAINT person_nick_required NOT NULL nick NOT VALID;

CREATE TABLE ev (id int CONSTRAINT ev_id_nn NOT NULL, at date CONSTRAINT ev_at_nn NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE ev_2024 (id int CONSTRAINT ev_2024_own_id_nn NOT NULL, at date CONSTRAINT ev_2024_own_at_nn NOT NULL);
ALTER TABLE ev ATTACH PARTITION ev_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE ev_2025 PARTITION OF ev FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');

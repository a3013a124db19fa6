-- corpus: partitioned tables with sub-partitions and default partitions
-- exercises: RANGE partitions sub-partitioned by LIST, DEFAULT partitions at both levels,
--   a HASH-partitioned table, a partitioned primary key and index, a partition's own extra
--   index and CHECK, a foreign key referencing a partitioned table, a partition attached
--   after being created standalone
-- source: written for this corpus (issue #12 "What to build": partitioned tables)
-- requires: 15
CREATE TABLE measure (id bigint NOT NULL, at date NOT NULL, region text NOT NULL, v numeric,
  PRIMARY KEY (id, at, region)) PARTITION BY RANGE (at);
CREATE TABLE measure_2024 PARTITION OF measure FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')
  PARTITION BY LIST (region);
CREATE TABLE measure_2024_eu PARTITION OF measure_2024 FOR VALUES IN ('eu', 'uk');
CREATE TABLE measure_2024_other PARTITION OF measure_2024 DEFAULT;
CREATE TABLE measure_default PARTITION OF measure DEFAULT;
CREATE TABLE measure_2025 (id bigint NOT NULL, at date NOT NULL, region text NOT NULL, v numeric,
  CONSTRAINT measure_2025_v_pos CHECK (v >= 0));
ALTER TABLE measure ATTACH PARTITION measure_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE INDEX measure_v ON measure (v);
CREATE INDEX measure_2024_eu_region ON measure_2024_eu (region, v);

CREATE TABLE acct (id int NOT NULL, name text) PARTITION BY HASH (id);
CREATE TABLE acct_0 PARTITION OF acct FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE acct_1 PARTITION OF acct FOR VALUES WITH (MODULUS 2, REMAINDER 1);
ALTER TABLE acct ADD PRIMARY KEY (id);
CREATE TABLE acct_note (id int PRIMARY KEY, acct_id int REFERENCES acct (id) ON DELETE CASCADE, note text);

INSERT INTO measure VALUES (1, '2024-03-01', 'eu', 1), (2, '2024-03-01', 'us', 2),
  (3, '2025-03-01', 'eu', 3), (4, '2030-01-01', 'eu', 4);
INSERT INTO acct VALUES (1, 'a'), (2, 'b'), (3, 'c');
INSERT INTO acct_note VALUES (1, 1, 'x');

-- corpus: identity column on a partitioned table (PostgreSQL 17+)
-- exercises: an identity column declared on a partitioned table, shared by its partitions
-- source: written for this corpus (PostgreSQL 17 additions a tenant schema can contain)
-- requires: 17
CREATE TABLE log (id bigint GENERATED ALWAYS AS IDENTITY, at date NOT NULL, msg text) PARTITION BY RANGE (at);
CREATE TABLE log_2024 PARTITION OF log FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE log_rest PARTITION OF log DEFAULT;
INSERT INTO log (at, msg) VALUES ('2024-05-01', 'a'), ('2030-01-01', 'b');

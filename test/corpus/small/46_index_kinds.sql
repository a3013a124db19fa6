-- corpus: index variety
-- exercises: partial, expression, INCLUDE, NULLS NOT DISTINCT (15+), DESC NULLS FIRST,
--   per-column collation and opclass, BRIN with pages_per_range, hash, GIN jsonb_path_ops,
--   SP-GiST, GiST, a DEFERRABLE unique constraint, a unique constraint USING INDEX
-- source: written for this corpus
-- requires: 15
CREATE TABLE ev (id int, at timestamptz, tag text, code text, doc jsonb, pos point, ip inet);
CREATE UNIQUE INDEX ev_id_active ON ev (id) WHERE at IS NOT NULL;
CREATE INDEX ev_lower_tag ON ev (lower(tag) text_pattern_ops);
CREATE INDEX ev_at_desc ON ev (at DESC NULLS FIRST, tag COLLATE "C") INCLUDE (code);
CREATE UNIQUE INDEX ev_code_nnd ON ev (code) NULLS NOT DISTINCT;
CREATE INDEX ev_at_brin ON ev USING brin (at) WITH (pages_per_range = 16);
CREATE INDEX ev_tag_hash ON ev USING hash (tag);
CREATE INDEX ev_doc_gin ON ev USING gin (doc jsonb_path_ops);
CREATE INDEX ev_ip_spgist ON ev USING spgist (ip);
CREATE INDEX ev_pos_gist ON ev USING gist (pos);
CREATE TABLE k (a int, b int, CONSTRAINT k_a_uq UNIQUE (a) DEFERRABLE INITIALLY DEFERRED);
CREATE UNIQUE INDEX k_b_idx ON k (b);
ALTER TABLE k ADD CONSTRAINT k_b_uq UNIQUE USING INDEX k_b_idx;

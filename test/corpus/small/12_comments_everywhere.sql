-- corpus: comments on indexes, composite types and other objects
-- exercises: COMMENT ON INDEX, TYPE (composite), COLUMN of a composite type, CONSTRAINT,
--   SEQUENCE, VIEW, FUNCTION, TRIGGER, DOMAIN, CONSTRAINT ON DOMAIN, TABLE, COLUMN
-- source: issue #12 item 5 ("comments on indexes and composite types"); others added
-- requires: 15
CREATE TYPE pair AS (l int, r int);
COMMENT ON TYPE pair IS 'a composite type';
COMMENT ON COLUMN pair.l IS 'left member';
CREATE DOMAIN pct AS numeric CONSTRAINT pct_range CHECK (VALUE BETWEEN 0 AND 100);
COMMENT ON DOMAIN pct IS 'a percentage';
COMMENT ON CONSTRAINT pct_range ON DOMAIN pct IS 'between 0 and 100';
CREATE SEQUENCE s;
COMMENT ON SEQUENCE s IS 'a sequence';
CREATE TABLE t (id int CONSTRAINT t_pk PRIMARY KEY, p pair, v pct, CONSTRAINT t_v_nn CHECK (v IS NOT NULL));
COMMENT ON TABLE t IS 'a table';
COMMENT ON COLUMN t.p IS 'a column';
COMMENT ON CONSTRAINT t_pk ON t IS 'the key';
COMMENT ON CONSTRAINT t_v_nn ON t IS 'v is required';
CREATE INDEX t_v ON t (v);
COMMENT ON INDEX t_v IS 'an index';
COMMENT ON INDEX t_pk IS 'the index behind the key';
CREATE VIEW tv AS SELECT id, (p).l FROM t;
COMMENT ON VIEW tv IS 'a view';
COMMENT ON COLUMN tv.l IS 'a view column';
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
COMMENT ON FUNCTION touch() IS 'a trigger function';
CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();
COMMENT ON TRIGGER t_touch ON t IS 'a trigger';

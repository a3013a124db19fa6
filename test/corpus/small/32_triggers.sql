-- corpus: triggers
-- exercises: row and statement triggers, a DISABLED trigger, ENABLE REPLICA / ALWAYS,
--   a DEFERRABLE INITIALLY DEFERRED constraint trigger, WHEN conditions, UPDATE OF columns,
--   transition tables, trigger arguments, an INSTEAD OF trigger on a view
-- source: written for this corpus (issue #12 "What to build": triggers)
-- requires: 15
CREATE TABLE item (id int PRIMARY KEY, qty int, note text, updated_at timestamptz);
CREATE TABLE audit (at timestamptz DEFAULT now(), what text, n int);
CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.updated_at := now(); RETURN NEW; END $$;
CREATE FUNCTION log_stmt() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO audit (what, n) SELECT TG_ARGV[0], count(*) FROM new_rows; RETURN NULL; END $$;
CREATE FUNCTION check_qty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN IF NEW.qty < 0 THEN RAISE EXCEPTION 'negative qty'; END IF; RETURN NULL; END $$;
CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;

CREATE TRIGGER item_stamp BEFORE UPDATE OF qty, note ON item FOR EACH ROW
  WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION stamp();
CREATE TRIGGER item_log AFTER INSERT ON item REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION log_stmt('insert');
CREATE CONSTRAINT TRIGGER item_qty AFTER INSERT OR UPDATE ON item
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION check_qty();
CREATE TRIGGER item_disabled BEFORE INSERT ON item FOR EACH ROW EXECUTE FUNCTION noop();
ALTER TABLE item DISABLE TRIGGER item_disabled;
CREATE TRIGGER item_replica BEFORE UPDATE ON item FOR EACH ROW EXECUTE FUNCTION noop();
ALTER TABLE item ENABLE REPLICA TRIGGER item_replica;
CREATE TRIGGER item_always BEFORE DELETE ON item FOR EACH ROW EXECUTE FUNCTION noop();
ALTER TABLE item ENABLE ALWAYS TRIGGER item_always;

CREATE VIEW item_v AS SELECT id, qty FROM item;
CREATE FUNCTION item_v_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO item (id, qty) VALUES (NEW.id, NEW.qty); RETURN NEW; END $$;
CREATE TRIGGER item_v_ins INSTEAD OF INSERT ON item_v FOR EACH ROW EXECUTE FUNCTION item_v_ins();

INSERT INTO item (id, qty) VALUES (1, 5), (2, 7);

-- corpus: function returning SETOF a table, used by a view, used by another function
-- exercises: table -> SETOF function -> view -> SQL function whose body reads the view
--   (validated at creation when check_function_bodies = on) -> BEGIN ATOMIC function that
--   depends on the view through pg_depend; the restore must either order them or set
--   check_function_bodies = off
-- source: written for this corpus; SETOF functions keeping the source schema:
--   https://github.com/denishpatel/pg-clone-schema/issues/57
-- requires: 15
CREATE TABLE account (id int PRIMARY KEY, balance numeric, active bool DEFAULT true);
CREATE FUNCTION active_accounts() RETURNS SETOF account LANGUAGE sql STABLE
  AS $$ SELECT * FROM account WHERE active $$;
CREATE VIEW rich AS SELECT id, balance FROM active_accounts() WHERE balance > 100;
CREATE FUNCTION rich_count() RETURNS bigint LANGUAGE sql STABLE
  AS $$ SELECT count(*) FROM rich $$;
CREATE FUNCTION rich_total() RETURNS numeric LANGUAGE sql STABLE
  BEGIN ATOMIC SELECT coalesce(sum(balance), 0) FROM rich; END;
CREATE VIEW summary AS SELECT rich_count() AS n, rich_total() AS total;
INSERT INTO account VALUES (1, 50, true), (2, 500, true), (3, 1000, false);

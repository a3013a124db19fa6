-- corpus: function and procedure variety
-- exercises: OUT / INOUT / VARIADIC parameters, defaults, RETURNS TABLE, overloading,
--   polymorphic (anycompatible) functions, SECURITY DEFINER with a pinned
--   search_path = pg_catalog, pg_temp and other settings, COST / ROWS / PARALLEL / STRICT,
--   a procedure with INOUT, a plpgsql function
-- source: written for this corpus
-- requires: 15
CREATE TABLE kv (k text PRIMARY KEY, v int);
CREATE FUNCTION add(a int, b int DEFAULT 1) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN a + b;
CREATE FUNCTION add(a numeric, b numeric) RETURNS numeric LANGUAGE sql IMMUTABLE RETURN a + b;
CREATE FUNCTION total(VARIADIC xs int[]) RETURNS int LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT sum(x)::int FROM unnest(xs) x $$;
CREATE FUNCTION split_kv(s text, OUT k text, OUT v int) LANGUAGE sql IMMUTABLE
  AS $$ SELECT split_part(s, '=', 1), split_part(s, '=', 2)::int $$;
CREATE FUNCTION kv_rows(min_v int) RETURNS TABLE (key text, value int) LANGUAGE sql STABLE ROWS 50 COST 10
  AS $$ SELECT k, v FROM kv WHERE v >= min_v $$;
CREATE FUNCTION first_of(a anycompatible, b anycompatible) RETURNS anycompatible LANGUAGE sql IMMUTABLE
  AS $$ SELECT coalesce(a, b) $$;
CREATE FUNCTION kv_put(p_k text, p_v int) RETURNS void LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp SET lock_timeout = '2s'
  AS $$ BEGIN RAISE NOTICE 'put % %', p_k, p_v; END $$;
CREATE PROCEDURE bump(INOUT n int, step int DEFAULT 1) LANGUAGE plpgsql AS $$ BEGIN n := n + step; END $$;
INSERT INTO kv VALUES ('a', 1), ('b', 2);

-- A tenant's whole transactional migration step as one call, sent as one statement (its own
-- implicit transaction): one round trip per tenant instead of five. Same steps, same order as the
-- client-driven path: the tenant lock (bounded by lock_timeout, which stays set for the migrations'
-- DDL), the re-read of what is applied and whether the tenant still exists (a new snapshot per
-- statement of a VOLATILE function, so after the lock), then each migration not yet applied, run
-- with search_path on the tenant and recorded with its duration, then the last failure cleared.
-- search_path goes back to this (control) schema around the bookkeeping so those statements' cached
-- plans stay valid. Any error aborts everything; the caller then re-runs the tenant on the
-- statement-by-statement path, which reports file, line and column (and accepts the few statements
-- PL/pgSQL's EXECUTE refuses, such as SELECT ... INTO).
CREATE FUNCTION migrate_tenant(
  p_lock_ns text, p_lock_name text, p_lock_timeout text,
  p_tenant bigint, p_schema text, p_search_path text,
  p_ids integer[], p_names text[], p_hashes text[], p_sqls text[],
  p_clear_failure boolean)
RETURNS TABLE (present boolean, applied integer[])
LANGUAGE plpgsql VOLATILE
SET search_path FROM CURRENT
AS $$
DECLARE
  home text := current_setting('search_path');
  done integer[];
  ran integer[] := '{}';
  started timestamptz;
BEGIN
  PERFORM set_config('lock_timeout', p_lock_timeout, true);
  PERFORM pg_advisory_xact_lock(hashtext(p_lock_ns), hashtext(p_lock_name));
  IF NOT EXISTS (SELECT 1 FROM tenants t WHERE t.id = p_tenant)
     OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace n WHERE n.nspname = p_schema) THEN
    RETURN QUERY SELECT false, ran;
    RETURN;
  END IF;
  done := ARRAY(SELECT m.migration_id FROM tenant_migrations m WHERE m.tenant_id = p_tenant);
  FOR i IN 1 .. coalesce(array_length(p_ids, 1), 0) LOOP
    CONTINUE WHEN p_ids[i] = ANY (done);
    started := clock_timestamp();
    PERFORM set_config('search_path', p_search_path, true);
    EXECUTE p_sqls[i];
    PERFORM set_config('search_path', home, true);
    INSERT INTO tenant_migrations (tenant_id, migration_id, name, hash, duration_ms)
    VALUES (p_tenant, p_ids[i], p_names[i], p_hashes[i],
            round(extract(epoch FROM clock_timestamp() - started) * 1000)::integer);
    ran := ran || p_ids[i];
  END LOOP;
  IF p_clear_failure THEN
    DELETE FROM migration_failures f WHERE f.tenant_id = p_tenant;
  END IF;
  RETURN QUERY SELECT true, ran;
END
$$;

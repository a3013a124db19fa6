-- The hot path of a migration fan-out in one round trip instead of two: take the tenant's advisory
-- lock (bounded by lock_timeout, which stays set for the migration's own DDL), then read what is
-- applied and whether the tenant still exists. In READ COMMITTED every statement of a VOLATILE
-- plpgsql function takes a new snapshot, so the read happens after the lock is held and sees what
-- the previous holder committed. search_path is pinned to this (control) schema for the body.
CREATE FUNCTION lock_tenant_for_migration(lock_ns text, lock_name text, lock_timeout text, p_tenant bigint, p_schema text)
RETURNS TABLE (applied integer[], present boolean)
LANGUAGE plpgsql VOLATILE
SET search_path FROM CURRENT
AS $$
BEGIN
  PERFORM set_config('lock_timeout', lock_timeout, true);
  PERFORM pg_advisory_xact_lock(hashtext(lock_ns), hashtext(lock_name));
  RETURN QUERY
    SELECT ARRAY(SELECT m.migration_id FROM tenant_migrations m WHERE m.tenant_id = p_tenant),
           EXISTS (SELECT 1 FROM tenants t WHERE t.id = p_tenant)
             AND EXISTS (SELECT 1 FROM pg_catalog.pg_namespace n WHERE n.nspname = p_schema);
END
$$;

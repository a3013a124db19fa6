-- Trigger functions shared by this tenant's tables. Names are unqualified: tenantctl runs this file
-- with search_path set to the new tenant's schema, so they are created there.

CREATE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;

-- Writes one audit_log row per change. The audit table is found through TG_TABLE_SCHEMA, not the
-- caller's search_path, so a session pointed at another schema still audits into this tenant.
CREATE FUNCTION record_audit() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  row_id text;
BEGIN
  row_id := CASE WHEN TG_OP = 'DELETE' THEN to_jsonb(OLD) ->> 'id' ELSE to_jsonb(NEW) ->> 'id' END;
  EXECUTE format(
    'INSERT INTO %I.audit_log (action, entity, entity_id, actor, before, after) VALUES ($1, $2, $3, $4, $5, $6)',
    TG_TABLE_SCHEMA)
  USING lower(TG_OP), TG_TABLE_NAME, row_id, current_setting('app.actor', true),
        CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END,
        CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
  RETURN NULL;
END;
$$;

-- The control schema: tenant registry, per-tenant migration bookkeeping, access grants, audit log.
-- Names are unqualified: tenantctl runs this with search_path set to the configured control schema.

CREATE TABLE settings (
  key text PRIMARY KEY,
  value text NOT NULL
);

-- Roles are cluster-wide; this tag makes the role names of this database's tenants unique.
INSERT INTO settings (key, value)
VALUES ('role_tag', substr(md5(random()::text || clock_timestamp()::text), 1, 6));

CREATE TABLE tenants (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$'),
  schema_name text NOT NULL UNIQUE,
  display_name text,
  template text NOT NULL,
  rw_role text NOT NULL,
  ro_role text NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  status_reason text,
  status_since timestamptz NOT NULL DEFAULT now(),
  -- What suspend took away, so activate can give back exactly that.
  suspended_privileges jsonb,
  adopted boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- One row per tenant and applied migration; "what is applied where" is one scan of this table.
CREATE TABLE tenant_migrations (
  tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  migration_id integer NOT NULL CHECK (migration_id > 0),
  name text NOT NULL,
  hash text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  duration_ms integer,
  -- Marked applied by `adopt --baseline` without running.
  baseline boolean NOT NULL DEFAULT false,
  PRIMARY KEY (tenant_id, migration_id)
);

-- The last failed attempt per tenant, cleared by the next success; feeds `migrate status`.
CREATE TABLE migration_failures (
  tenant_id bigint PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
  migration_id integer,
  error text NOT NULL,
  failed_at timestamptz NOT NULL DEFAULT now()
);

-- Grants made with `access grant`, so they can be listed, revoked and survive suspend/activate.
CREATE TABLE access_grants (
  tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  role_name text NOT NULL,
  read_only boolean NOT NULL,
  search_path boolean NOT NULL DEFAULT false,
  granted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, role_name)
);

CREATE TABLE audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  db_user text NOT NULL DEFAULT current_user,
  os_user text,
  client_host text,
  command text NOT NULL,
  tenant_slug text,
  outcome text NOT NULL CHECK (outcome IN ('ok', 'failed', 'partial', 'noop')),
  duration_ms integer,
  details jsonb
);
CREATE INDEX audit_log_tenant_at ON audit_log (tenant_slug, at);

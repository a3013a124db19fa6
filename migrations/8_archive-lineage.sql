-- A schema adopted without --template was not built from any template: its tenant records none,
-- and verify reports it as having no reference instead of comparing it with one.
ALTER TABLE tenants ALTER COLUMN template DROP NOT NULL;

-- What an archive imported with --allow-incomplete gaps did not carry, for info and verify.
ALTER TABLE tenants ADD COLUMN import_gaps jsonb;

-- Grants to roles other than the tenant's own that an import restored from an archive: the copy
-- holds them because the source did, which verify reports as that, not as cross-tenant access.
CREATE TABLE carried_grants (
  tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  role_name text NOT NULL,
  from_slug text NOT NULL,
  carried_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, role_name)
);

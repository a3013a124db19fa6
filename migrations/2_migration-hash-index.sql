-- Lets `migrate` list the distinct (migration, hash) pairs applied anywhere with a loose index
-- scan (a few index probes per migration) instead of reading every bookkeeping row: the check that
-- no applied migration was edited must stay cheap at 10,000 tenants x hundreds of migrations.
CREATE INDEX tenant_migrations_id_hash ON tenant_migrations (migration_id, hash);

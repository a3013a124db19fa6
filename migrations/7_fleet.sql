-- The fleet: the servers that hold tenant schemas and where each tenant lives (docs/fleet.md).
-- Every server carries the whole control schema; these two tables are read in the control
-- database (the one tenantctl connects to). On any other server they describe that database seen
-- on its own: a fleet of one, its own tenants placed on 'local'.

CREATE TABLE servers (
  name text PRIMARY KEY CHECK (name ~ '^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$' AND length(name) <= 63),
  -- Without a password, ever (tenantctl refuses one). NULL for 'local': the connection tenantctl
  -- was given (DATABASE_URL, --database-url, PG* variables).
  url text CHECK ((url IS NULL) = (name = 'local')),
  region text,
  state text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'draining')),
  -- Takes one tenant, and only when named with `create --server`.
  dedicated boolean NOT NULL DEFAULT false,
  max_tenants integer CHECK (max_tenants > 0),
  -- Where the password comes from: the libpq password file, an environment variable (its name is
  -- stored), or encrypted here (AES-256-GCM; the key never reaches the database). NULL for 'local'.
  password_source text CHECK (password_source IN ('pgpass', 'env', 'encrypted')),
  password_env text,
  -- First bytes of sha256(key), to refuse a wrong key by name before trying it.
  password_key_id text,
  password_iv bytea,
  password_tag bytea,
  password_ciphertext bytea,
  -- The role tag of the server's control schema: the identity of the database the URL reached
  -- when the server was added (`server check` notices a URL that now reaches another one).
  role_tag text NOT NULL,
  added_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((password_source IS NULL) = (name = 'local')),
  CHECK ((password_source = 'env') = (password_env IS NOT NULL)),
  CHECK ((password_source = 'encrypted') = (password_ciphertext IS NOT NULL)),
  CHECK (password_ciphertext IS NULL
         OR (password_key_id IS NOT NULL AND password_iv IS NOT NULL AND password_tag IS NOT NULL))
);

INSERT INTO servers (name, url, role_tag)
SELECT 'local', NULL, value FROM settings WHERE key = 'role_tag';

-- Where each tenant lives: the fleet-wide answer to "where is tenant X", and the fleet-wide
-- uniqueness of slugs and schema names (a move must never meet a namesake on its target).
-- 'creating' is an intent written (and committed) before the tenant is provisioned on its server;
-- run_id names the run that wrote it, whose session advisory lock says whether it is still alive.
-- A dead run's intent is resolved by asking the server: tenant present -> 'placed', absent -> gone.
CREATE TABLE placements (
  slug text PRIMARY KEY CHECK (slug ~ '^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$'),
  schema_name text NOT NULL UNIQUE,
  server text NOT NULL REFERENCES servers (name),
  state text NOT NULL DEFAULT 'placed' CHECK (state IN ('creating', 'placed', 'moving')),
  run_id text,
  since timestamptz NOT NULL DEFAULT now(),
  CHECK ((state = 'placed') = (run_id IS NULL))
);
CREATE INDEX placements_server ON placements (server);
-- Every command that reads placements first resolves dead intents: a probe of this index.
CREATE INDEX placements_intents ON placements (server) WHERE state <> 'placed';

-- A single-database deployment upgrades in place: every tenant is on 'local'.
INSERT INTO placements (slug, schema_name, server)
SELECT slug, schema_name, 'local' FROM tenants;

-- The tenants of this database keep their placement on 'local' in the same transaction, whatever
-- command changes them (create, adopt, import, drop, rename): no command can forget it, and a
-- crash leaves both or neither. A slug placed on another server is refused, unless that placement
-- is a move in progress (its copy arriving here, or leaving).
CREATE FUNCTION keep_local_placement() RETURNS trigger
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
DECLARE
  p placements;
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    DELETE FROM placements WHERE slug = OLD.slug AND server = 'local' AND state <> 'moving';
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    SELECT * INTO p FROM placements WHERE slug = NEW.slug FOR UPDATE;
    IF NOT FOUND THEN
      INSERT INTO placements (slug, schema_name, server) VALUES (NEW.slug, NEW.schema_name, 'local');
    ELSIF p.server = 'local' AND p.state = 'creating' THEN
      UPDATE placements SET state = 'placed', run_id = NULL, schema_name = NEW.schema_name, since = now()
      WHERE slug = NEW.slug;
    ELSIF p.server <> 'local' AND p.state <> 'moving' THEN
      RAISE EXCEPTION 'tenant "%" is placed on server "%"', NEW.slug, p.server
        USING ERRCODE = 'unique_violation', CONSTRAINT = 'placements_pkey';
    END IF;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER keep_local_placement
AFTER INSERT OR DELETE OR UPDATE OF slug, schema_name ON tenants
FOR EACH ROW EXECUTE FUNCTION keep_local_placement();

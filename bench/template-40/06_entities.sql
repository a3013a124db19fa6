CREATE TABLE reviews (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_id bigint REFERENCES events (id) ON DELETE CASCADE,
  account_id bigint NOT NULL REFERENCES accounts (id),
  title text NOT NULL CHECK (length(title) <= 500),
  status status NOT NULL DEFAULT 'draft',
  priority priority NOT NULL DEFAULT 'normal',
  amount numeric(12, 2) NOT NULL DEFAULT 0 CHECK (amount >= 0),
  data jsonb NOT NULL DEFAULT '{}',
  tags text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reviews_parent_idx ON reviews (parent_id);
CREATE INDEX reviews_account_idx ON reviews (account_id, created_at DESC);
CREATE INDEX reviews_active_idx ON reviews (priority) WHERE status = 'active';
CREATE TRIGGER reviews_touch BEFORE UPDATE ON reviews FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TABLE tickets (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_id bigint REFERENCES webhooks (id) ON DELETE CASCADE,
  account_id bigint NOT NULL REFERENCES accounts (id),
  title text NOT NULL CHECK (length(title) <= 500),
  status status NOT NULL DEFAULT 'draft',
  priority priority NOT NULL DEFAULT 'normal',
  amount numeric(12, 2) NOT NULL DEFAULT 0 CHECK (amount >= 0),
  data jsonb NOT NULL DEFAULT '{}',
  tags text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tickets_parent_idx ON tickets (parent_id);
CREATE INDEX tickets_account_idx ON tickets (account_id, created_at DESC);
CREATE INDEX tickets_active_idx ON tickets (priority) WHERE status = 'active';
CREATE TRIGGER tickets_touch BEFORE UPDATE ON tickets FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TABLE ticket_replies (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_id bigint REFERENCES webhooks (id) ON DELETE CASCADE,
  account_id bigint NOT NULL REFERENCES accounts (id),
  title text NOT NULL CHECK (length(title) <= 500),
  status status NOT NULL DEFAULT 'draft',
  priority priority NOT NULL DEFAULT 'normal',
  amount numeric(12, 2) NOT NULL DEFAULT 0 CHECK (amount >= 0),
  data jsonb NOT NULL DEFAULT '{}',
  tags text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ticket_replies_parent_idx ON ticket_replies (parent_id);
CREATE INDEX ticket_replies_account_idx ON ticket_replies (account_id, created_at DESC);
CREATE INDEX ticket_replies_active_idx ON ticket_replies (priority) WHERE status = 'active';
CREATE TRIGGER ticket_replies_touch BEFORE UPDATE ON ticket_replies FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TABLE time_entries (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_id bigint REFERENCES api_keys (id) ON DELETE CASCADE,
  account_id bigint NOT NULL REFERENCES accounts (id),
  title text NOT NULL CHECK (length(title) <= 500),
  status status NOT NULL DEFAULT 'draft',
  priority priority NOT NULL DEFAULT 'normal',
  amount numeric(12, 2) NOT NULL DEFAULT 0 CHECK (amount >= 0),
  data jsonb NOT NULL DEFAULT '{}',
  tags text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX time_entries_parent_idx ON time_entries (parent_id);
CREATE INDEX time_entries_account_idx ON time_entries (account_id, created_at DESC);
CREATE INDEX time_entries_active_idx ON time_entries (priority) WHERE status = 'active';
CREATE TRIGGER time_entries_touch BEFORE UPDATE ON time_entries FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TABLE reports (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_id bigint REFERENCES api_keys (id) ON DELETE CASCADE,
  account_id bigint NOT NULL REFERENCES accounts (id),
  title text NOT NULL CHECK (length(title) <= 500),
  status status NOT NULL DEFAULT 'draft',
  priority priority NOT NULL DEFAULT 'normal',
  amount numeric(12, 2) NOT NULL DEFAULT 0 CHECK (amount >= 0),
  data jsonb NOT NULL DEFAULT '{}',
  tags text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reports_parent_idx ON reports (parent_id);
CREATE INDEX reports_account_idx ON reports (account_id, created_at DESC);
CREATE INDEX reports_active_idx ON reports (priority) WHERE status = 'active';
CREATE TRIGGER reports_touch BEFORE UPDATE ON reports FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TABLE dashboards (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_id bigint REFERENCES sessions (id) ON DELETE CASCADE,
  account_id bigint NOT NULL REFERENCES accounts (id),
  title text NOT NULL CHECK (length(title) <= 500),
  status status NOT NULL DEFAULT 'draft',
  priority priority NOT NULL DEFAULT 'normal',
  amount numeric(12, 2) NOT NULL DEFAULT 0 CHECK (amount >= 0),
  data jsonb NOT NULL DEFAULT '{}',
  tags text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dashboards_parent_idx ON dashboards (parent_id);
CREATE INDEX dashboards_account_idx ON dashboards (account_id, created_at DESC);
CREATE INDEX dashboards_active_idx ON dashboards (priority) WHERE status = 'active';
CREATE TRIGGER dashboards_touch BEFORE UPDATE ON dashboards FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TABLE widgets (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_id bigint REFERENCES sessions (id) ON DELETE CASCADE,
  account_id bigint NOT NULL REFERENCES accounts (id),
  title text NOT NULL CHECK (length(title) <= 500),
  status status NOT NULL DEFAULT 'draft',
  priority priority NOT NULL DEFAULT 'normal',
  amount numeric(12, 2) NOT NULL DEFAULT 0 CHECK (amount >= 0),
  data jsonb NOT NULL DEFAULT '{}',
  tags text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX widgets_parent_idx ON widgets (parent_id);
CREATE INDEX widgets_account_idx ON widgets (account_id, created_at DESC);
CREATE INDEX widgets_active_idx ON widgets (priority) WHERE status = 'active';
CREATE TRIGGER widgets_touch BEFORE UPDATE ON widgets FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TABLE exports (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_id bigint REFERENCES notifications (id) ON DELETE CASCADE,
  account_id bigint NOT NULL REFERENCES accounts (id),
  title text NOT NULL CHECK (length(title) <= 500),
  status status NOT NULL DEFAULT 'draft',
  priority priority NOT NULL DEFAULT 'normal',
  amount numeric(12, 2) NOT NULL DEFAULT 0 CHECK (amount >= 0),
  data jsonb NOT NULL DEFAULT '{}',
  tags text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX exports_parent_idx ON exports (parent_id);
CREATE INDEX exports_account_idx ON exports (account_id, created_at DESC);
CREATE INDEX exports_active_idx ON exports (priority) WHERE status = 'active';
CREATE TRIGGER exports_touch BEFORE UPDATE ON exports FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

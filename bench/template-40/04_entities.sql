CREATE TABLE customers (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_id bigint REFERENCES milestones (id) ON DELETE CASCADE,
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
CREATE INDEX customers_parent_idx ON customers (parent_id);
CREATE INDEX customers_account_idx ON customers (account_id, created_at DESC);
CREATE INDEX customers_active_idx ON customers (priority) WHERE status = 'active';
CREATE TRIGGER customers_touch BEFORE UPDATE ON customers FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TABLE contacts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_id bigint REFERENCES documents (id) ON DELETE CASCADE,
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
CREATE INDEX contacts_parent_idx ON contacts (parent_id);
CREATE INDEX contacts_account_idx ON contacts (account_id, created_at DESC);
CREATE INDEX contacts_active_idx ON contacts (priority) WHERE status = 'active';
CREATE TRIGGER contacts_touch BEFORE UPDATE ON contacts FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TABLE deals (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_id bigint REFERENCES documents (id) ON DELETE CASCADE,
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
CREATE INDEX deals_parent_idx ON deals (parent_id);
CREATE INDEX deals_account_idx ON deals (account_id, created_at DESC);
CREATE INDEX deals_active_idx ON deals (priority) WHERE status = 'active';
CREATE TRIGGER deals_touch BEFORE UPDATE ON deals FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TABLE notes (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_id bigint REFERENCES attachments (id) ON DELETE CASCADE,
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
CREATE INDEX notes_parent_idx ON notes (parent_id);
CREATE INDEX notes_account_idx ON notes (account_id, created_at DESC);
CREATE INDEX notes_active_idx ON notes (priority) WHERE status = 'active';
CREATE TRIGGER notes_touch BEFORE UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TABLE events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_id bigint REFERENCES attachments (id) ON DELETE CASCADE,
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
CREATE INDEX events_parent_idx ON events (parent_id);
CREATE INDEX events_account_idx ON events (account_id, created_at DESC);
CREATE INDEX events_active_idx ON events (priority) WHERE status = 'active';
CREATE TRIGGER events_touch BEFORE UPDATE ON events FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TABLE webhooks (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_id bigint REFERENCES invoices (id) ON DELETE CASCADE,
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
CREATE INDEX webhooks_parent_idx ON webhooks (parent_id);
CREATE INDEX webhooks_account_idx ON webhooks (account_id, created_at DESC);
CREATE INDEX webhooks_active_idx ON webhooks (priority) WHERE status = 'active';
CREATE TRIGGER webhooks_touch BEFORE UPDATE ON webhooks FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TABLE api_keys (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_id bigint REFERENCES invoices (id) ON DELETE CASCADE,
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
CREATE INDEX api_keys_parent_idx ON api_keys (parent_id);
CREATE INDEX api_keys_account_idx ON api_keys (account_id, created_at DESC);
CREATE INDEX api_keys_active_idx ON api_keys (priority) WHERE status = 'active';
CREATE TRIGGER api_keys_touch BEFORE UPDATE ON api_keys FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TABLE sessions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_id bigint REFERENCES invoice_lines (id) ON DELETE CASCADE,
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
CREATE INDEX sessions_parent_idx ON sessions (parent_id);
CREATE INDEX sessions_account_idx ON sessions (account_id, created_at DESC);
CREATE INDEX sessions_active_idx ON sessions (priority) WHERE status = 'active';
CREATE TRIGGER sessions_touch BEFORE UPDATE ON sessions FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TABLE notifications (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_id bigint REFERENCES invoice_lines (id) ON DELETE CASCADE,
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
CREATE INDEX notifications_parent_idx ON notifications (parent_id);
CREATE INDEX notifications_account_idx ON notifications (account_id, created_at DESC);
CREATE INDEX notifications_active_idx ON notifications (priority) WHERE status = 'active';
CREATE TRIGGER notifications_touch BEFORE UPDATE ON notifications FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TABLE subscriptions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_id bigint REFERENCES payments (id) ON DELETE CASCADE,
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
CREATE INDEX subscriptions_parent_idx ON subscriptions (parent_id);
CREATE INDEX subscriptions_account_idx ON subscriptions (account_id, created_at DESC);
CREATE INDEX subscriptions_active_idx ON subscriptions (priority) WHERE status = 'active';
CREATE TRIGGER subscriptions_touch BEFORE UPDATE ON subscriptions FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

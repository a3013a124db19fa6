CREATE TABLE projects (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_id bigint REFERENCES teams (id) ON DELETE CASCADE,
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
CREATE INDEX projects_parent_idx ON projects (parent_id);
CREATE INDEX projects_account_idx ON projects (account_id, created_at DESC);
CREATE INDEX projects_active_idx ON projects (priority) WHERE status = 'active';
CREATE TRIGGER projects_touch BEFORE UPDATE ON projects FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TABLE tasks (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_id bigint REFERENCES projects (id) ON DELETE CASCADE,
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
CREATE INDEX tasks_parent_idx ON tasks (parent_id);
CREATE INDEX tasks_account_idx ON tasks (account_id, created_at DESC);
CREATE INDEX tasks_active_idx ON tasks (priority) WHERE status = 'active';
CREATE TRIGGER tasks_touch BEFORE UPDATE ON tasks FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TABLE comments (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_id bigint REFERENCES projects (id) ON DELETE CASCADE,
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
CREATE INDEX comments_parent_idx ON comments (parent_id);
CREATE INDEX comments_account_idx ON comments (account_id, created_at DESC);
CREATE INDEX comments_active_idx ON comments (priority) WHERE status = 'active';
CREATE TRIGGER comments_touch BEFORE UPDATE ON comments FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TABLE labels (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_id bigint REFERENCES tasks (id) ON DELETE CASCADE,
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
CREATE INDEX labels_parent_idx ON labels (parent_id);
CREATE INDEX labels_account_idx ON labels (account_id, created_at DESC);
CREATE INDEX labels_active_idx ON labels (priority) WHERE status = 'active';
CREATE TRIGGER labels_touch BEFORE UPDATE ON labels FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TABLE milestones (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_id bigint REFERENCES tasks (id) ON DELETE CASCADE,
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
CREATE INDEX milestones_parent_idx ON milestones (parent_id);
CREATE INDEX milestones_account_idx ON milestones (account_id, created_at DESC);
CREATE INDEX milestones_active_idx ON milestones (priority) WHERE status = 'active';
CREATE TRIGGER milestones_touch BEFORE UPDATE ON milestones FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TABLE documents (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_id bigint REFERENCES comments (id) ON DELETE CASCADE,
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
CREATE INDEX documents_parent_idx ON documents (parent_id);
CREATE INDEX documents_account_idx ON documents (account_id, created_at DESC);
CREATE INDEX documents_active_idx ON documents (priority) WHERE status = 'active';
CREATE TRIGGER documents_touch BEFORE UPDATE ON documents FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TABLE attachments (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_id bigint REFERENCES comments (id) ON DELETE CASCADE,
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
CREATE INDEX attachments_parent_idx ON attachments (parent_id);
CREATE INDEX attachments_account_idx ON attachments (account_id, created_at DESC);
CREATE INDEX attachments_active_idx ON attachments (priority) WHERE status = 'active';
CREATE TRIGGER attachments_touch BEFORE UPDATE ON attachments FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TABLE invoices (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_id bigint REFERENCES labels (id) ON DELETE CASCADE,
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
CREATE INDEX invoices_parent_idx ON invoices (parent_id);
CREATE INDEX invoices_account_idx ON invoices (account_id, created_at DESC);
CREATE INDEX invoices_active_idx ON invoices (priority) WHERE status = 'active';
CREATE TRIGGER invoices_touch BEFORE UPDATE ON invoices FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TABLE invoice_lines (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_id bigint REFERENCES labels (id) ON DELETE CASCADE,
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
CREATE INDEX invoice_lines_parent_idx ON invoice_lines (parent_id);
CREATE INDEX invoice_lines_account_idx ON invoice_lines (account_id, created_at DESC);
CREATE INDEX invoice_lines_active_idx ON invoice_lines (priority) WHERE status = 'active';
CREATE TRIGGER invoice_lines_touch BEFORE UPDATE ON invoice_lines FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TABLE payments (
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
CREATE INDEX payments_parent_idx ON payments (parent_id);
CREATE INDEX payments_account_idx ON payments (account_id, created_at DESC);
CREATE INDEX payments_active_idx ON payments (priority) WHERE status = 'active';
CREATE TRIGGER payments_touch BEFORE UPDATE ON payments FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

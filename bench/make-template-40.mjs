// Generates bench/template-40: a realistic 40-table tenant template (enums, FKs, indexes, triggers,
// checks, partial and expression indexes). Run once; the output is committed.
import { writeFileSync, mkdirSync } from 'node:fs';
const dir = new URL('./template-40/', import.meta.url);
mkdirSync(dir, { recursive: true });

const files = {};
files['01_types.sql'] = `CREATE TYPE status AS ENUM ('draft', 'active', 'archived');
CREATE TYPE priority AS ENUM ('low', 'normal', 'high', 'urgent');
CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.updated_at := now(); RETURN NEW; END; $$;
`;
files['02_core.sql'] = `CREATE TABLE accounts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL,
  email text NOT NULL,
  status status NOT NULL DEFAULT 'active',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX accounts_email_key ON accounts (lower(email));
CREATE TRIGGER accounts_touch BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TABLE teams (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL UNIQUE,
  owner_id bigint NOT NULL REFERENCES accounts (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER teams_touch BEFORE UPDATE ON teams FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
`;
const entities = [
  'projects',
  'tasks',
  'comments',
  'labels',
  'milestones',
  'documents',
  'attachments',
  'invoices',
  'invoice_lines',
  'payments',
  'customers',
  'contacts',
  'deals',
  'notes',
  'events',
  'webhooks',
  'api_keys',
  'sessions',
  'notifications',
  'subscriptions',
  'plans',
  'coupons',
  'orders',
  'order_items',
  'products',
  'categories',
  'inventory',
  'warehouses',
  'shipments',
  'returns',
  'reviews',
  'tickets',
  'ticket_replies',
  'time_entries',
  'reports',
  'dashboards',
  'widgets',
  'exports',
];
let body = '';
entities.forEach((t, i) => {
  const parent = i === 0 ? 'teams' : entities[Math.floor((i - 1) / 2)];
  body += `CREATE TABLE ${t} (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_id bigint REFERENCES ${parent} (id) ON DELETE CASCADE,
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
CREATE INDEX ${t}_parent_idx ON ${t} (parent_id);
CREATE INDEX ${t}_account_idx ON ${t} (account_id, created_at DESC);
CREATE INDEX ${t}_active_idx ON ${t} (priority) WHERE status = 'active';
CREATE TRIGGER ${t}_touch BEFORE UPDATE ON ${t} FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
`;
  if ((i + 1) % 10 === 0 || i === entities.length - 1) {
    files[`${String(3 + Math.floor(i / 10)).padStart(2, '0')}_entities.sql`] = body;
    body = '';
  }
});
for (const [name, sql] of Object.entries(files)) writeFileSync(new URL(name, dir), sql);
console.log(`wrote ${Object.keys(files).length} files, ${2 + entities.length} tables`);

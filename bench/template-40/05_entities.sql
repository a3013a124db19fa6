CREATE TABLE plans (
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
CREATE INDEX plans_parent_idx ON plans (parent_id);
CREATE INDEX plans_account_idx ON plans (account_id, created_at DESC);
CREATE INDEX plans_active_idx ON plans (priority) WHERE status = 'active';
CREATE TRIGGER plans_touch BEFORE UPDATE ON plans FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TABLE coupons (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_id bigint REFERENCES customers (id) ON DELETE CASCADE,
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
CREATE INDEX coupons_parent_idx ON coupons (parent_id);
CREATE INDEX coupons_account_idx ON coupons (account_id, created_at DESC);
CREATE INDEX coupons_active_idx ON coupons (priority) WHERE status = 'active';
CREATE TRIGGER coupons_touch BEFORE UPDATE ON coupons FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TABLE orders (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_id bigint REFERENCES customers (id) ON DELETE CASCADE,
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
CREATE INDEX orders_parent_idx ON orders (parent_id);
CREATE INDEX orders_account_idx ON orders (account_id, created_at DESC);
CREATE INDEX orders_active_idx ON orders (priority) WHERE status = 'active';
CREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TABLE order_items (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_id bigint REFERENCES contacts (id) ON DELETE CASCADE,
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
CREATE INDEX order_items_parent_idx ON order_items (parent_id);
CREATE INDEX order_items_account_idx ON order_items (account_id, created_at DESC);
CREATE INDEX order_items_active_idx ON order_items (priority) WHERE status = 'active';
CREATE TRIGGER order_items_touch BEFORE UPDATE ON order_items FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TABLE products (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_id bigint REFERENCES contacts (id) ON DELETE CASCADE,
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
CREATE INDEX products_parent_idx ON products (parent_id);
CREATE INDEX products_account_idx ON products (account_id, created_at DESC);
CREATE INDEX products_active_idx ON products (priority) WHERE status = 'active';
CREATE TRIGGER products_touch BEFORE UPDATE ON products FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TABLE categories (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_id bigint REFERENCES deals (id) ON DELETE CASCADE,
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
CREATE INDEX categories_parent_idx ON categories (parent_id);
CREATE INDEX categories_account_idx ON categories (account_id, created_at DESC);
CREATE INDEX categories_active_idx ON categories (priority) WHERE status = 'active';
CREATE TRIGGER categories_touch BEFORE UPDATE ON categories FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TABLE inventory (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_id bigint REFERENCES deals (id) ON DELETE CASCADE,
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
CREATE INDEX inventory_parent_idx ON inventory (parent_id);
CREATE INDEX inventory_account_idx ON inventory (account_id, created_at DESC);
CREATE INDEX inventory_active_idx ON inventory (priority) WHERE status = 'active';
CREATE TRIGGER inventory_touch BEFORE UPDATE ON inventory FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TABLE warehouses (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_id bigint REFERENCES notes (id) ON DELETE CASCADE,
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
CREATE INDEX warehouses_parent_idx ON warehouses (parent_id);
CREATE INDEX warehouses_account_idx ON warehouses (account_id, created_at DESC);
CREATE INDEX warehouses_active_idx ON warehouses (priority) WHERE status = 'active';
CREATE TRIGGER warehouses_touch BEFORE UPDATE ON warehouses FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TABLE shipments (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_id bigint REFERENCES notes (id) ON DELETE CASCADE,
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
CREATE INDEX shipments_parent_idx ON shipments (parent_id);
CREATE INDEX shipments_account_idx ON shipments (account_id, created_at DESC);
CREATE INDEX shipments_active_idx ON shipments (priority) WHERE status = 'active';
CREATE TRIGGER shipments_touch BEFORE UPDATE ON shipments FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TABLE returns (
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
CREATE INDEX returns_parent_idx ON returns (parent_id);
CREATE INDEX returns_account_idx ON returns (account_id, created_at DESC);
CREATE INDEX returns_active_idx ON returns (priority) WHERE status = 'active';
CREATE TRIGGER returns_touch BEFORE UPDATE ON returns FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

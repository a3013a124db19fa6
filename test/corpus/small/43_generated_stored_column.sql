-- corpus: stored generated columns
-- exercises: GENERATED ALWAYS AS (...) STORED over other columns, calling a tenant
--   immutable function (function -> table order) and a tenant domain
-- source: written for this corpus; generated columns calling tenant functions made dumps
--   unrestorable in https://github.com/debate-map/app/issues/189
-- requires: 15
CREATE FUNCTION slugify(t text) RETURNS text LANGUAGE sql IMMUTABLE
  AS $$ SELECT lower(regexp_replace(t, '[^A-Za-z0-9]+', '-', 'g')) $$;
CREATE TABLE article (id int PRIMARY KEY, title text NOT NULL, price numeric, qty int,
  slug text GENERATED ALWAYS AS (slugify(title)) STORED,
  total numeric GENERATED ALWAYS AS (price * qty) STORED);
INSERT INTO article (id, title, price, qty) VALUES (1, 'Hello World!', 2.5, 4);

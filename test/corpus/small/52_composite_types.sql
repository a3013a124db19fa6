-- corpus: composite types, typed tables and arrays of composites
-- exercises: nested composite types, a composite with a domain attribute, a typed table
--   (CREATE TABLE OF type) with its own constraint, array of composite column, a function
--   returning a composite
-- note: the line type is called basket_line because an unqualified "line" resolves to
--   pg_catalog.line (pg_catalog is searched first), whatever the tenant defines
-- source: written for this corpus
-- requires: 15
CREATE DOMAIN cents AS bigint CHECK (VALUE >= 0);
CREATE TYPE price AS (amount cents, currency char(3));
CREATE TYPE basket_line AS (sku text, qty int, unit price);
CREATE TABLE product OF price (PRIMARY KEY (currency, amount));
CREATE TABLE basket (id int PRIMARY KEY, lines basket_line[]);
CREATE FUNCTION line_total(l basket_line) RETURNS price LANGUAGE sql IMMUTABLE
  AS $$ SELECT ROW(((l.unit).amount * l.qty)::bigint, (l.unit).currency)::price $$;
INSERT INTO basket VALUES (1, ARRAY[ROW('a', 2, ROW(150, 'EUR'))::basket_line]);

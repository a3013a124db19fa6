-- corpus: domains with constraints
-- exercises: named CHECK, NOT NULL, DEFAULT, COLLATE, a domain over a domain, a domain
--   over an array, a NOT VALID domain constraint, a CHECK calling a tenant function
--   (function -> domain -> table order)
-- source: written for this corpus (issue #12 "What to build": domains)
-- requires: 15
CREATE FUNCTION is_even(i int) RETURNS bool LANGUAGE sql IMMUTABLE AS $$ SELECT i % 2 = 0 $$;
CREATE DOMAIN posint AS int CONSTRAINT posint_check CHECK (VALUE > 0) NOT NULL DEFAULT 1;
CREATE DOMAIN small_posint AS posint CONSTRAINT small_check CHECK (VALUE < 100);
CREATE DOMAIN email AS text COLLATE "C" CHECK (VALUE ~ '@');
ALTER DOMAIN email ADD CONSTRAINT email_len CHECK (length(VALUE) < 200) NOT VALID;
CREATE DOMAIN int_pair AS int[] CHECK (cardinality(VALUE) = 2);
CREATE DOMAIN even AS int CHECK (is_even(VALUE));
CREATE TABLE acct (id posint PRIMARY KEY, mail email, lvl small_posint, pair int_pair, e even);
INSERT INTO acct VALUES (1, 'a@b', 5, '{1,2}', 4);

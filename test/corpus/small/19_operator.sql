-- corpus: user-defined operators on a tenant type
-- exercises: CREATE OPERATOR with COMMUTATOR / NEGATOR / RESTRICT / JOIN, a prefix
--   operator, an operator used in a view and in a CHECK constraint
-- source: written for this corpus (issue #12 "What to build": operators)
-- requires: 15
CREATE TYPE money2 AS (amount numeric, cur char(3));
CREATE FUNCTION money2_eq(a money2, b money2) RETURNS bool LANGUAGE sql IMMUTABLE STRICT
  AS $$ SELECT a.amount = b.amount AND a.cur = b.cur $$;
CREATE FUNCTION money2_ne(a money2, b money2) RETURNS bool LANGUAGE sql IMMUTABLE STRICT
  AS $$ SELECT NOT (a.amount = b.amount AND a.cur = b.cur) $$;
CREATE FUNCTION money2_neg(a money2) RETURNS money2 LANGUAGE sql IMMUTABLE STRICT
  AS $$ SELECT ROW(-a.amount, a.cur)::money2 $$;
CREATE OPERATOR === (LEFTARG = money2, RIGHTARG = money2, FUNCTION = money2_eq,
  COMMUTATOR = ===, NEGATOR = !==, RESTRICT = eqsel, JOIN = eqjoinsel);
CREATE OPERATOR !== (LEFTARG = money2, RIGHTARG = money2, FUNCTION = money2_ne,
  COMMUTATOR = !==, NEGATOR = ===, RESTRICT = neqsel, JOIN = neqjoinsel);
CREATE OPERATOR ~- (RIGHTARG = money2, FUNCTION = money2_neg);
CREATE TABLE ledger (id int PRIMARY KEY, a money2, b money2,
  CONSTRAINT ledger_differs CHECK (a !== b));
CREATE VIEW ledger_same AS SELECT id, ~- a AS neg_a FROM ledger WHERE a === b;
INSERT INTO ledger VALUES (1, ROW(1, 'EUR'), ROW(2, 'EUR'));

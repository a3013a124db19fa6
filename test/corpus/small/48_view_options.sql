-- corpus: view options
-- exercises: security_barrier, security_invoker (15+), WITH CASCADED / LOCAL CHECK OPTION,
--   a default on a view column, a view over a view, column aliases, explicit column names
-- source: written for this corpus
-- requires: 15
CREATE TABLE item (id int PRIMARY KEY, price numeric, hidden bool DEFAULT false);
CREATE VIEW visible_item WITH (security_barrier = true, security_invoker = true) AS
  SELECT id, price FROM item WHERE NOT hidden;
CREATE VIEW cheap_item AS SELECT * FROM visible_item WHERE price < 10 WITH CASCADED CHECK OPTION;
CREATE VIEW cheap_item_local (item_id, cost) AS SELECT id, price FROM cheap_item WHERE price > 1 WITH LOCAL CHECK OPTION;
ALTER VIEW cheap_item ALTER COLUMN price SET DEFAULT 5;
INSERT INTO item VALUES (1, 3, false), (2, 30, false), (3, 2, true);

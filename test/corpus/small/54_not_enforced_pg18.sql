-- corpus: NOT ENFORCED constraints (PostgreSQL 18)
-- exercises: CHECK ... NOT ENFORCED and FOREIGN KEY ... NOT ENFORCED (conenforced = false)
-- source: written for this corpus (PostgreSQL 18 additions a tenant schema can contain)
-- requires: 18
CREATE TABLE parent (id int PRIMARY KEY);
CREATE TABLE child (id int PRIMARY KEY, parent_id int, qty int,
  CONSTRAINT child_qty_pos CHECK (qty > 0) NOT ENFORCED,
  CONSTRAINT child_parent FOREIGN KEY (parent_id) REFERENCES parent (id) NOT ENFORCED);
INSERT INTO child VALUES (1, 99, -1);

-- corpus: self-referencing foreign keys
-- exercises: a tree (parent_id -> id), a composite self reference, rows whose load order
--   matters (children after parents), a recursive view over the tree
-- source: written for this corpus (issue #12 "What to build": self-referencing FK)
-- requires: 15
CREATE TABLE node (id int PRIMARY KEY, parent_id int REFERENCES node (id) ON DELETE CASCADE, name text);
CREATE TABLE version (doc int, n int, prev_n int, PRIMARY KEY (doc, n),
  FOREIGN KEY (doc, prev_n) REFERENCES version (doc, n));
CREATE RECURSIVE VIEW node_path (id, path) AS
  SELECT id, name FROM node WHERE parent_id IS NULL
  UNION ALL
  SELECT n.id, p.path || '/' || n.name FROM node n JOIN node_path p ON n.parent_id = p.id;
INSERT INTO node VALUES (1, NULL, 'root'), (2, 1, 'a'), (3, 2, 'b'), (4, 1, 'c');
INSERT INTO version VALUES (1, 1, NULL), (1, 2, 1), (1, 3, 2);

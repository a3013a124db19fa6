-- corpus: foreign key variants
-- exercises: DEFERRABLE INITIALLY DEFERRED / IMMEDIATE FKs, mutual FKs between two tables
--   (a cycle only deferrable constraints can load), MATCH FULL, ON DELETE SET NULL
--   (column list, 15+), ON UPDATE CASCADE, a NOT VALID FK, a FK to a UNIQUE constraint
-- source: written for this corpus (issue #12 "What to build": deferrable FKs)
-- requires: 15
CREATE TABLE tenant_user (id int PRIMARY KEY, email text UNIQUE, team_id int);
CREATE TABLE team (id int PRIMARY KEY, owner_id int NOT NULL);
ALTER TABLE tenant_user ADD CONSTRAINT tenant_user_team FOREIGN KEY (team_id) REFERENCES team (id)
  DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE team ADD CONSTRAINT team_owner FOREIGN KEY (owner_id) REFERENCES tenant_user (id)
  DEFERRABLE INITIALLY IMMEDIATE;
CREATE TABLE member (team_id int, user_id int, PRIMARY KEY (team_id, user_id));
CREATE TABLE doc (id int PRIMARY KEY, team_id int, author_id int, reviewer_id int, author_email text,
  FOREIGN KEY (author_email) REFERENCES tenant_user (email) ON UPDATE CASCADE,
  CONSTRAINT doc_author FOREIGN KEY (team_id, author_id) REFERENCES member (team_id, user_id)
    ON DELETE SET NULL (author_id),
  CONSTRAINT doc_reviewer FOREIGN KEY (team_id, reviewer_id) REFERENCES member (team_id, user_id)
    MATCH FULL);
ALTER TABLE doc ADD CONSTRAINT doc_team FOREIGN KEY (team_id) REFERENCES team (id) NOT VALID;

BEGIN;
INSERT INTO tenant_user VALUES (1, 'a@x', 10);
INSERT INTO team VALUES (10, 1);
COMMIT;
INSERT INTO member VALUES (10, 1);
INSERT INTO doc VALUES (1, 10, 1, 1, 'a@x');

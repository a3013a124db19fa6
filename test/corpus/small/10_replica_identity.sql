-- corpus: replica identity settings
-- exercises: REPLICA IDENTITY FULL, USING INDEX and NOTHING (relreplident / indisreplident)
-- source: issue #12 item 5 ("silently lost ... REPLICA IDENTITY FULL"); others added
-- requires: 15
CREATE TABLE t (a int, b text);
ALTER TABLE t REPLICA IDENTITY FULL;

CREATE TABLE u (a int NOT NULL, b text);
CREATE UNIQUE INDEX u_a ON u (a);
ALTER TABLE u REPLICA IDENTITY USING INDEX u_a;

CREATE TABLE n (a int);
ALTER TABLE n REPLICA IDENTITY NOTHING;

-- corpus: enum with values added and renamed after creation
-- exercises: ALTER TYPE ADD VALUE BEFORE / AFTER, RENAME VALUE (the sort order differs from
--   the OID order), a CHECK comparing enum order, an index on the enum column
-- source: written for this corpus
-- requires: 15
CREATE TYPE level AS ENUM ('low', 'high');
ALTER TYPE level ADD VALUE 'medium' BEFORE 'high';
ALTER TYPE level ADD VALUE 'critical' AFTER 'high';
ALTER TYPE level RENAME VALUE 'low' TO 'minor';
CREATE TABLE incident (id int PRIMARY KEY, lvl level NOT NULL DEFAULT 'minor',
  CONSTRAINT not_too_low CHECK (lvl >= 'minor'::level));
CREATE INDEX incident_lvl ON incident (lvl);
INSERT INTO incident VALUES (1, 'critical'), (2, 'medium'), (3, 'minor');

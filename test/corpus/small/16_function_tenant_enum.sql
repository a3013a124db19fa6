-- corpus: function taking a tenant enum
-- exercises: a function signature naming a tenant type (its identity key contains the
--   type, which is schema-qualified when the schema is not on search_path)
-- source: issue #12 item 5 (cheer(m mood)); body written for this corpus
-- requires: 15
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE FUNCTION cheer(m mood) RETURNS mood LANGUAGE sql IMMUTABLE
  AS $$ SELECT CASE WHEN m = 'sad' THEN 'ok'::mood ELSE 'happy'::mood END $$;
CREATE TABLE people (id int PRIMARY KEY, m mood DEFAULT 'ok');
INSERT INTO people VALUES (1, 'sad'), (2, 'happy');

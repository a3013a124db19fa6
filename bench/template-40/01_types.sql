CREATE TYPE status AS ENUM ('draft', 'active', 'archived');
CREATE TYPE priority AS ENUM ('low', 'normal', 'high', 'urgent');
CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.updated_at := now(); RETURN NEW; END; $$;

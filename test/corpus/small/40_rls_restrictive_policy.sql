-- corpus: row level security with permissive and restrictive policies
-- exercises: ENABLE and FORCE ROW LEVEL SECURITY, permissive policies per command,
--   an AS RESTRICTIVE policy, WITH CHECK, a policy calling a tenant function, TO PUBLIC
-- source: written for this corpus (issue #12 "What to build": RLS with restrictive policy)
-- requires: 15
CREATE TABLE doc (id int PRIMARY KEY, owner text NOT NULL DEFAULT current_user, archived bool DEFAULT false, body text);
CREATE FUNCTION is_owner(o text) RETURNS bool LANGUAGE sql STABLE AS $$ SELECT o = current_user $$;
ALTER TABLE doc ENABLE ROW LEVEL SECURITY;
ALTER TABLE doc FORCE ROW LEVEL SECURITY;
CREATE POLICY doc_read ON doc FOR SELECT TO PUBLIC USING (true);
CREATE POLICY doc_write ON doc FOR INSERT WITH CHECK (is_owner(owner));
CREATE POLICY doc_change ON doc FOR UPDATE USING (is_owner(owner)) WITH CHECK (is_owner(owner));
CREATE POLICY doc_not_archived ON doc AS RESTRICTIVE FOR ALL USING (NOT archived);
COMMENT ON POLICY doc_not_archived ON doc IS 'archived rows are invisible to everyone';

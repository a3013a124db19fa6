-- corpus: comment on a row level security policy
-- exercises: COMMENT ON POLICY must come after CREATE POLICY
-- source: issue #12 item 5, input verbatim (table added)
-- requires: 15
CREATE TABLE t (a int, owner text);
ALTER TABLE t ENABLE ROW LEVEL SECURITY; CREATE POLICY p ON t USING (true); COMMENT ON
      POLICY p ON t IS 'x';

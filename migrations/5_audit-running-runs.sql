-- A long run (migrate) opens its audit record as 'running' when it starts and closes it with its
-- outcome when it ends, so a run killed in between still leaves a record. The next run of the same
-- command, holding that command's run lock (so no such run can be alive), marks what is still
-- 'running' as 'interrupted'. The partial index finds those rows without reading the whole log.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_outcome_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_outcome_check
  CHECK (outcome IN ('ok', 'failed', 'partial', 'noop', 'running', 'interrupted'));
CREATE INDEX audit_log_running ON audit_log (command) WHERE outcome = 'running';

-- `tenantctl audit` reads the log newest first, often bounded by time (--since 24h): an index on
-- the time serves both without sorting a log that only ever grows.
CREATE INDEX audit_log_at ON audit_log (at);

-- corpus: rules
-- exercises: CREATE RULE ... DO INSTEAD NOTHING (verbatim from the issue) and a DO ALSO
--   rule whose action writes into another tenant table (the rule body references it)
-- source: issue #12 item 5 (first rule verbatim);
--   cf. https://github.com/denishpatel/pg-clone-schema/issues/59
-- requires: 15
CREATE TABLE t (a int); CREATE RULE
      t_no_delete AS ON DELETE TO t DO INSTEAD NOTHING;

CREATE TABLE t_log (old_a int, new_a int, at timestamptz DEFAULT now());
CREATE RULE t_log_update AS ON UPDATE TO t DO ALSO INSERT INTO t_log (old_a, new_a) VALUES (old.a, new.a);

INSERT INTO t VALUES (1), (2);

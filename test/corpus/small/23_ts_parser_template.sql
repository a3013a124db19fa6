-- corpus: text search parser and template (superuser only)
-- exercises: CREATE TEXT SEARCH TEMPLATE and PARSER built from the built-in C functions
--   (no new C function is needed), a dictionary on the template and a configuration on
--   the parser
-- note: CREATE TEXT SEARCH PARSER / TEMPLATE require superuser on PostgreSQL 15-18
--   ("must be superuser to create text search parsers/templates"), so a tenant built by
--   a non-superuser admin cannot contain these
-- source: written for this corpus (issue #12 "What to build": parsers and templates)
-- requires: 15
-- requires: superuser
CREATE TEXT SEARCH TEMPLATE my_tmpl (INIT = dsimple_init, LEXIZE = dsimple_lexize);
CREATE TEXT SEARCH DICTIONARY my_dict (TEMPLATE = my_tmpl, STOPWORDS = english);
CREATE TEXT SEARCH PARSER my_prs (START = prsd_start, GETTOKEN = prsd_nexttoken,
  END = prsd_end, LEXTYPES = prsd_lextype, HEADLINE = prsd_headline);
CREATE TEXT SEARCH CONFIGURATION my_cfg2 (PARSER = my_prs);
ALTER TEXT SEARCH CONFIGURATION my_cfg2 ADD MAPPING FOR asciiword, word WITH my_dict;
CREATE TABLE doc (body text);
CREATE INDEX doc_fts ON doc USING gin (to_tsvector('my_cfg2'::regconfig, body));

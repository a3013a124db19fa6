-- corpus: foreign table referencing a server (file_fdw)
-- exercises: a file_fdw foreign table; the server is database-level (setup line)
-- note: a file_fdw table naming a filename needs superuser or pg_read_server_files
-- source: written for this corpus (issue #12 "What to build": foreign tables)
-- requires: 15
-- requires: extension file_fdw
-- requires: superuser
-- setup: CREATE SERVER corpus_file_srv FOREIGN DATA WRAPPER file_fdw
CREATE FOREIGN TABLE passwd_like (name text, pw text, uid int)
  SERVER corpus_file_srv OPTIONS (filename '/dev/null', format 'csv', delimiter ':');

-- corpus: sequence variety
-- exercises: AS smallint, MINVALUE / MAXVALUE / CYCLE / CACHE / INCREMENT < 0, OWNED BY,
--   a sequence shared by two tables' defaults, serial and bigserial columns, setval state
--   (is_called false and true)
-- source: written for this corpus
-- requires: 15
CREATE SEQUENCE countdown AS smallint INCREMENT BY -1 MINVALUE -100 MAXVALUE 100 START 100 CYCLE CACHE 10;
CREATE SEQUENCE shared_ids;
CREATE TABLE a (id int DEFAULT nextval('shared_ids') PRIMARY KEY, n smallint DEFAULT nextval('countdown'));
CREATE TABLE b (id int DEFAULT nextval('shared_ids') PRIMARY KEY, s serial, bs bigserial);
ALTER SEQUENCE countdown OWNED BY a.n;
CREATE SEQUENCE fresh START 7;
SELECT setval('fresh', 7, false);
INSERT INTO a DEFAULT VALUES;
INSERT INTO b DEFAULT VALUES;
SELECT setval('shared_ids', 42);

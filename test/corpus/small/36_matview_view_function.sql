-- corpus: materialized view depending on a view depending on a function
-- exercises: function -> view -> matview (WITH DATA, indexed) -> view over the matview;
--   a second matview WITH NO DATA; REFRESH state survives a round trip
-- source: written for this corpus; views over matviews (and the reverse) broke
--   clone_schema: https://github.com/denishpatel/pg-clone-schema/issues/133
-- requires: 15
CREATE TABLE sale (id int PRIMARY KEY, region text, amount numeric);
CREATE FUNCTION with_tax(n numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$ SELECT round(n * 1.2, 2) $$;
CREATE VIEW sale_taxed AS SELECT id, region, with_tax(amount) AS gross FROM sale;
CREATE MATERIALIZED VIEW region_total AS SELECT region, sum(gross) AS total FROM sale_taxed GROUP BY region;
CREATE UNIQUE INDEX region_total_region ON region_total (region);
CREATE VIEW top_region AS SELECT region FROM region_total ORDER BY total DESC LIMIT 1;
CREATE MATERIALIZED VIEW region_total_empty AS SELECT region FROM sale_taxed WITH NO DATA;
INSERT INTO sale VALUES (1, 'eu', 10), (2, 'eu', 5), (3, 'us', 7);
REFRESH MATERIALIZED VIEW region_total;

-- corpus: encoding conversion
-- exercises: CREATE CONVERSION (non-default) using a built-in conversion function;
--   a non-superuser may create it (it needs EXECUTE on the function and CREATE on the schema)
-- source: written for this corpus (issue #12 "What to build": conversions)
-- requires: 15
CREATE CONVERSION latin1_to_utf8_t FOR 'LATIN1' TO 'UTF8' FROM iso8859_1_to_utf8;
COMMENT ON CONVERSION latin1_to_utf8_t IS 'tenant copy of the LATIN1 -> UTF8 conversion';

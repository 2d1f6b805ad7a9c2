-- The text form of running days: '12345--' is Monday to Friday.

CREATE FUNCTION railway.format_running_days(running_days boolean[]) RETURNS text
    AS 'MODULE_PATHNAME', 'railway_format_running_days'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.format_running_days(boolean[]) IS
    'Running days as timetable text: the ISO day number where the service runs, ''-'' where not (''{t,t,t,t,t,f,f}'' gives ''12345--''). Rejects arrays that are not 7 non-null booleans.';

CREATE FUNCTION railway.parse_running_days(days text) RETURNS boolean[]
    AS 'MODULE_PATHNAME', 'railway_parse_running_days'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION railway.parse_running_days(text) IS
    'Inverse of format_running_days: ''12345--'' gives {t,t,t,t,t,f,f}.';

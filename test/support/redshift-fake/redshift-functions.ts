/**
 * Redshift functions PostgreSQL has no counterpart of, created in the twin database so DataPipe's
 * Redshift SQL runs there unchanged. Each follows its documentation; what it does not cover fails.
 *
 * - STRTOL(num_string, base): the BIGINT value of `num_string` read in `base`
 *   (https://docs.aws.amazon.com/redshift/latest/dg/r_STRTOL.html). DataPipe reads 15 hex digits
 *   (`datapipe verify`'s row hashes), so only base 16 and at most 16 digits are emulated.
 */
export const REDSHIFT_FUNCTIONS = `
CREATE FUNCTION public.strtol(num_string text, base integer) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
  IF base <> 16 OR num_string !~ '^[0-9A-Fa-f]{1,16}$' THEN
    RAISE EXCEPTION 'the Redshift twin emulates STRTOL for up to 16 hex digits in base 16 only, not % in base %', num_string, base;
  END IF;
  RETURN ('x' || lpad(num_string, 16, '0'))::bit(64)::bigint;
END $$;
`;

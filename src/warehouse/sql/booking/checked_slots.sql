-- Types every row of a slot availability file and gives the first rule it breaks as (field, reason).
-- Input: temp view booking_raw (line_no, date, service_id, provider_ods, slots_available as text).
-- $1, $2 = the first and last accepted dates. Writes temp table booking_slots_checked; a key repeated in the
-- file is rejected on its second and later lines.
CREATE OR REPLACE TEMP TABLE booking_slots_checked AS
WITH typed AS (
  SELECT
    line_no,
    nullif(trim(date), '') AS date_text,
    CASE WHEN regexp_full_match(trim(date), '\d{4}-\d{2}-\d{2}') THEN TRY_CAST(trim(date) AS DATE) END AS date,
    nullif(trim(service_id), '') AS service_id,
    upper(nullif(trim(provider_ods), '')) AS provider_ods,
    nullif(trim(slots_available), '') AS slots_text
  FROM booking_raw
),
numbered AS (
  SELECT *, row_number() OVER (PARTITION BY date, service_id, provider_ods ORDER BY line_no) AS nth,
    min(line_no) OVER (PARTITION BY date, service_id, provider_ods) AS first_line
  FROM typed
),
checked AS (
  SELECT
    *,
    CASE
      WHEN date_text IS NULL THEN 'date|is required'
      WHEN date IS NULL THEN 'date|"' || left(date_text, 40) || '" is not a date like 2026-03-29'
      WHEN date < $1::DATE OR date > $2::DATE
        THEN 'date|"' || date_text || '" is outside the accepted range ' || CAST($1 AS VARCHAR) || ' to ' || CAST($2 AS VARCHAR)
      WHEN service_id IS NULL THEN 'service_id|is required'
      WHEN length(service_id) > 128 THEN 'service_id|is longer than 128 characters'
      WHEN regexp_matches(service_id, '[[:cntrl:]]') THEN 'service_id|contains a control character (such as NUL)'
      WHEN provider_ods IS NULL THEN 'provider_ods|is required'
      WHEN NOT regexp_full_match(provider_ods, '[A-Z0-9]{3,10}') THEN 'provider_ods|"' || left(provider_ods, 40) || '" is not an ODS code'
      WHEN slots_text IS NULL THEN 'slots_available|is required'
      WHEN NOT regexp_full_match(slots_text, '[0-9]{1,9}')
        THEN 'slots_available|"' || left(slots_text, 40) || '" is not a whole number of slots (0 or more)'
      WHEN nth > 1 THEN 'date|the same date, service_id and provider_ods are already on line ' || CAST(first_line AS VARCHAR)
      ELSE NULL
    END AS problem
  FROM numbered
)
SELECT
  line_no,
  date,
  service_id,
  provider_ods,
  TRY_CAST(slots_text AS INTEGER) AS slots_available,
  split_part(problem, '|', 1) AS reject_field,
  nullif(substr(problem, strpos(problem, '|') + 1), '') AS reject_reason
FROM checked

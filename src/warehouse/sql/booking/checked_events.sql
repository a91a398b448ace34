-- Types every row of a booking-journey events file and gives the first rule it breaks as (field, reason).
-- Input: temp view booking_raw (line_no and every column of BOOKING_EVENT_COLUMNS as text, NULL when the file
-- has no such column). {{EVENT_TYPES}} = the known event types (a list literal of fixed identifiers, put in by
-- the code), $1, $2 = the first and the exclusive last instant of the plausible span, $3, $4 = those London
-- days for the message. Writes temp table booking_checked.
-- Free-text values (ids, error messages) are never echoed in a reason; codes are, cut to 40 characters.
CREATE OR REPLACE TEMP TABLE booking_checked AS
WITH typed AS (
  SELECT
    line_no,
    nullif(trim(event_id), '') AS event_id,
    nullif(trim(event_time), '') AS event_time_text,
    CASE WHEN regexp_full_match(trim(event_time),
           '\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|z|[+-]\d{2}(:?\d{2})?)')
         THEN TRY_CAST(trim(event_time) AS TIMESTAMPTZ) END AS event_time,
    lower(nullif(trim(event_type), '')) AS event_type,
    nullif(trim(case_id), '') AS case_id,
    upper(nullif(trim(consumer_ods), '')) AS consumer_ods,
    upper(nullif(trim(registered_practice), '')) AS registered_practice,
    nullif(trim(disposition_code), '') AS disposition_text,
    nullif(trim(disposition_minutes), '') AS minutes_text,
    nullif(trim(service_id), '') AS service_id,
    upper(nullif(trim(provider_ods), '')) AS provider_ods,
    nullif(trim(service_rank), '') AS rank_text,
    lower(nullif(trim(top_service_bookable), '')) AS bookable_text,
    nullif(trim(slot_id), '') AS slot_id,
    nullif(trim(slot_start), '') AS slot_start_text,
    CASE WHEN regexp_full_match(trim(slot_start),
           '\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|z|[+-]\d{2}(:?\d{2})?)')
         THEN TRY_CAST(trim(slot_start) AS TIMESTAMPTZ) END AS slot_start,
    nullif(trim(appointment_id), '') AS appointment_id,
    nullif(trim(previous_appointment_id), '') AS previous_appointment_id,
    lower(nullif(trim(referral_outcome), '')) AS referral_outcome,
    nullif(trim(http_status), '') AS status_text,
    nullif(trim(error_message), '') AS error_message,
    lower(nullif(trim(cancel_stage), '')) AS cancel_stage
  FROM booking_raw
),
checked AS (
  SELECT
    *,
    CASE
      WHEN event_id IS NULL THEN 'event_id|is required'
      WHEN length(event_id) > 128 THEN 'event_id|is longer than 128 characters'
      WHEN regexp_matches(event_id, '[[:cntrl:]]') THEN 'event_id|contains a control character (such as NUL)'
      WHEN event_time_text IS NULL THEN 'event_time|is required'
      WHEN event_time IS NULL
        THEN 'event_time|"' || left(event_time_text, 40) || '" is not an ISO 8601 instant with a time zone (e.g. 2026-03-29T01:30:00Z)'
      WHEN event_time < $1::TIMESTAMPTZ OR event_time >= $2::TIMESTAMPTZ
        THEN 'event_time|"' || left(event_time_text, 40) || '" is outside the accepted range ' || $3 || ' to ' || $4 || ' (London dates)'
      WHEN event_type IS NULL THEN 'event_type|is required'
      WHEN NOT list_contains({{EVENT_TYPES}}, event_type) THEN 'event_type|"' || left(event_type, 40) || '" is not a known booking event type'
      WHEN case_id IS NULL THEN 'case_id|is required'
      WHEN length(case_id) > 128 THEN 'case_id|is longer than 128 characters'
      WHEN regexp_matches(case_id, '[[:cntrl:]]') THEN 'case_id|contains a control character (such as NUL)'
      WHEN consumer_ods IS NOT NULL AND NOT regexp_full_match(consumer_ods, '[A-Z0-9]{3,10}')
        THEN 'consumer_ods|"' || left(consumer_ods, 40) || '" is not an ODS code'
      WHEN registered_practice IS NOT NULL AND NOT regexp_full_match(registered_practice, '[A-Z0-9]{3,10}')
        THEN 'registered_practice|"' || left(registered_practice, 40) || '" is not an ODS code'
      WHEN event_type = 'triage_completed' AND disposition_text IS NULL THEN 'disposition_code|is required on triage_completed events'
      WHEN disposition_text IS NOT NULL AND NOT regexp_full_match(disposition_text, '[Dd][Xx][0-9]{2,4}')
        THEN 'disposition_code|"' || left(disposition_text, 40) || '" is not an NHS Pathways disposition code (e.g. Dx05)'
      WHEN event_type = 'triage_completed' AND minutes_text IS NULL THEN 'disposition_minutes|is required on triage_completed events'
      WHEN minutes_text IS NOT NULL AND (NOT regexp_full_match(minutes_text, '[0-9]{1,6}') OR CAST(minutes_text AS INTEGER) <= 0 OR CAST(minutes_text AS INTEGER) > 43200)
        THEN 'disposition_minutes|"' || left(minutes_text, 40) || '" is not a whole number of minutes from 1 to 43200 (30 days)'
      WHEN event_type IN ('service_selected', 'referral_sent') AND service_id IS NULL THEN 'service_id|is required on ' || event_type || ' events'
      WHEN length(service_id) > 128 THEN 'service_id|is longer than 128 characters'
      WHEN regexp_matches(service_id, '[[:cntrl:]]') THEN 'service_id|contains a control character (such as NUL)'
      WHEN event_type IN ('service_selected', 'referral_sent') AND provider_ods IS NULL THEN 'provider_ods|is required on ' || event_type || ' events'
      WHEN provider_ods IS NOT NULL AND NOT regexp_full_match(provider_ods, '[A-Z0-9]{3,10}')
        THEN 'provider_ods|"' || left(provider_ods, 40) || '" is not an ODS code'
      WHEN event_type = 'service_selected' AND rank_text IS NULL THEN 'service_rank|is required on service_selected events'
      WHEN rank_text IS NOT NULL AND (NOT regexp_full_match(rank_text, '[0-9]{1,4}') OR CAST(rank_text AS INTEGER) < 1)
        THEN 'service_rank|"' || left(rank_text, 40) || '" is not a whole number from 1 (the top entry)'
      WHEN event_type = 'services_presented' AND bookable_text IS NULL THEN 'top_service_bookable|is required on services_presented events'
      WHEN bookable_text IS NOT NULL AND bookable_text NOT IN ('true', 'false')
        THEN 'top_service_bookable|"' || left(bookable_text, 40) || '" is not true or false'
      WHEN event_type IN ('slot_offered', 'booking_succeeded') AND slot_id IS NULL THEN 'slot_id|is required on ' || event_type || ' events'
      WHEN length(slot_id) > 128 THEN 'slot_id|is longer than 128 characters'
      WHEN event_type IN ('slot_offered', 'booking_succeeded') AND slot_start_text IS NULL THEN 'slot_start|is required on ' || event_type || ' events'
      WHEN slot_start_text IS NOT NULL AND slot_start IS NULL
        THEN 'slot_start|"' || left(slot_start_text, 40) || '" is not an ISO 8601 instant with a time zone (e.g. 2026-03-29T09:30:00Z)'
      WHEN slot_start IS NOT NULL AND (slot_start < $1::TIMESTAMPTZ OR slot_start >= $2::TIMESTAMPTZ + INTERVAL 400 DAY)
        THEN 'slot_start|"' || left(slot_start_text, 40) || '" is outside the accepted range (' || $3 || ' to a year after ' || $4 || ')'
      WHEN event_type IN ('booking_succeeded', 'appointment_cancelled', 'appointment_rebooked') AND appointment_id IS NULL
        THEN 'appointment_id|is required on ' || event_type || ' events'
      WHEN length(appointment_id) > 128 THEN 'appointment_id|is longer than 128 characters'
      WHEN event_type = 'appointment_rebooked' AND previous_appointment_id IS NULL THEN 'previous_appointment_id|is required on appointment_rebooked events'
      WHEN length(previous_appointment_id) > 128 THEN 'previous_appointment_id|is longer than 128 characters'
      WHEN event_type = 'referral_sent' AND referral_outcome IS NULL THEN 'referral_outcome|is required on referral_sent events'
      WHEN referral_outcome IS NOT NULL AND referral_outcome NOT IN ('success', 'failure')
        THEN 'referral_outcome|"' || left(referral_outcome, 40) || '" is not success or failure'
      WHEN event_type = 'booking_failed' AND status_text IS NULL THEN 'http_status|is required on booking_failed events'
      WHEN status_text IS NOT NULL AND (NOT regexp_full_match(status_text, '[0-9]{3}') OR CAST(status_text AS INTEGER) < 100 OR CAST(status_text AS INTEGER) > 599)
        THEN 'http_status|"' || left(status_text, 40) || '" is not an HTTP status code (100 to 599)'
      WHEN length(error_message) > 500 THEN 'error_message|is longer than 500 characters'
      WHEN event_type IN ('appointment_cancelled', 'appointment_rebooked') AND cancel_stage IS NULL
        THEN 'cancel_stage|is required on ' || event_type || ' events'
      WHEN cancel_stage IS NOT NULL AND cancel_stage NOT IN ('in_call', 'call_back', 'after_call')
        THEN 'cancel_stage|"' || left(cancel_stage, 40) || '" is not in_call, call_back or after_call'
      ELSE NULL
    END AS problem
  FROM typed
)
SELECT
  line_no,
  event_id,
  event_time,
  CAST(timezone('Europe/London', event_time) AS DATE) AS event_date,
  event_type,
  case_id,
  consumer_ods,
  registered_practice,
  CASE WHEN disposition_text IS NOT NULL THEN 'Dx' || substr(disposition_text, 3) END AS disposition_code,
  TRY_CAST(minutes_text AS INTEGER) AS disposition_minutes,
  service_id,
  provider_ods,
  TRY_CAST(rank_text AS INTEGER) AS service_rank,
  CASE bookable_text WHEN 'true' THEN true WHEN 'false' THEN false END AS top_service_bookable,
  slot_id,
  slot_start,
  appointment_id,
  previous_appointment_id,
  referral_outcome,
  TRY_CAST(status_text AS INTEGER) AS http_status,
  error_message,
  cancel_stage,
  split_part(problem, '|', 1) AS reject_field,
  nullif(substr(problem, strpos(problem, '|') + 1), '') AS reject_reason
FROM checked

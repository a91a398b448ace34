-- Inserts the checked rows of the file being loaded ($1 load id): the first row of each event id in the file,
-- and only ids no earlier load holds (an event sent twice counts once). Run only when no row was rejected.
INSERT INTO booking_event
SELECT event_id, event_time, event_date, event_type, case_id, consumer_ods, registered_practice,
       disposition_code, disposition_minutes, service_id, provider_ods, service_rank, top_service_bookable,
       slot_id, slot_start, appointment_id, previous_appointment_id, referral_outcome, http_status,
       error_message, cancel_stage, $1
FROM (
  SELECT *, row_number() OVER (PARTITION BY event_id ORDER BY line_no) AS nth
  FROM booking_checked
) c
WHERE nth = 1
  AND NOT EXISTS (SELECT 1 FROM booking_event e WHERE e.event_id = c.event_id)

-- Recomputes booking_case for the cases a load ($1) touched, from all their events (of every load).
INSERT INTO booking_case
WITH touched AS (
  SELECT * FROM booking_event WHERE case_id IN (SELECT case_id FROM booking_event WHERE load_id = $1)
),
fact AS (
  SELECT
    case_id,
    arg_min(registered_practice, (event_time, event_id)) FILTER (WHERE registered_practice IS NOT NULL) AS practice,
    arg_min(consumer_ods, (event_time, event_id)) FILTER (WHERE consumer_ods IS NOT NULL) AS consumer,
    arg_min(disposition_code, (event_time, event_id)) FILTER (WHERE event_type = 'triage_completed') AS disposition,
    arg_min(event_time + to_minutes(CAST(disposition_minutes AS BIGINT)), (event_time, event_id))
      FILTER (WHERE event_type = 'triage_completed') AS deadline,
    arg_max(service_id, (event_time, event_id)) FILTER (WHERE event_type = 'service_selected') AS selected_service,
    arg_max(provider_ods, (event_time, event_id)) FILTER (WHERE event_type = 'service_selected') AS selected_provider,
    arg_min(event_id, (event_time, event_id))
      FILTER (WHERE event_type = 'referral_sent' AND referral_outcome = 'success') AS first_referral,
    coalesce(bool_or(event_type = 'booking_succeeded'), false) AS booked,
    coalesce(bool_or(event_type = 'services_presented' AND top_service_bookable), false) AS top_bookable,
    CAST(count(*) FILTER (WHERE event_type = 'slot_offered') AS INTEGER) AS slots
  FROM touched
  GROUP BY case_id
),
breach AS (
  SELECT s.case_id, count(*) AS n
  FROM touched s JOIN fact f USING (case_id)
  WHERE s.event_type = 'slot_offered' AND s.slot_start > f.deadline
  GROUP BY s.case_id
)
SELECT f.case_id, f.practice, f.consumer, f.disposition, f.deadline, f.selected_service, f.selected_provider,
  f.first_referral, f.booked, f.top_bookable, f.slots, CAST(coalesce(b.n, 0) AS INTEGER) AS breaching
FROM fact f LEFT JOIN breach b USING (case_id)

-- Booking MI by disposition within an area (the breach analysis for an ICB's patients, ADR 0070): booking_daily
-- gains the grouping 'practice-disposition', grp "practice|disposition" ('' for no disposition), kept only for
-- cases with a registered practice. Existing warehouses: every date loaded so far is refilled (the statement
-- below is refreshDaily's, over all dates; a test checks they are the same text). The figures served take the
-- new rows when they are next published: at once when the server starts on the embedded store, at the next
-- refresh with PostgreSQL.
DELETE FROM booking_daily;

CREATE TEMP TABLE booking_dirty_date AS SELECT DISTINCT event_date FROM booking_event;

INSERT INTO booking_daily
WITH e AS (
  SELECT
    e.event_date, e.event_id, e.event_type, e.http_status, e.service_rank, e.cancel_stage, e.referral_outcome,
    e.slot_start, e.error_message,
    coalesce(e.service_id, c.selected_service) AS service,
    coalesce(e.provider_ods, c.selected_provider) AS provider,
    coalesce(e.consumer_ods, c.consumer) AS consumer,
    c.practice, c.disposition, c.deadline, c.first_referral, c.booked, c.top_bookable, c.slots, c.breaching
  FROM booking_event e
  JOIN booking_case c USING (case_id)
  WHERE e.event_date IN (SELECT event_date FROM booking_dirty_date)
    AND e.event_type IN ('booking_succeeded', 'referral_sent', 'booking_failed', 'service_selected',
                         'appointment_cancelled', 'appointment_rebooked', 'slot_offered')
)
SELECT
  event_date,
  CASE
    WHEN GROUPING(service) = 0 AND GROUPING(error_message) = 0 THEN 'service-error'
    WHEN GROUPING(practice) = 0 AND GROUPING(disposition) = 0 THEN 'practice-disposition'
    WHEN GROUPING(service) = 0 THEN 'service'
    WHEN GROUPING(provider) = 0 THEN 'provider'
    WHEN GROUPING(consumer) = 0 THEN 'consumer'
    WHEN GROUPING(practice) = 0 THEN 'practice'
    WHEN GROUPING(disposition) = 0 THEN 'disposition'
    WHEN GROUPING(error_message) = 0 THEN 'error'
    ELSE 'none'
  END AS grouping,
  CASE WHEN GROUPING(service) = 0 AND GROUPING(error_message) = 0
       THEN coalesce(service, 'Unknown') || ' — ' || coalesce(error_message, 'Unknown')
       -- "practice|disposition" for a disposition within an area (an ODS code has no "|", '' is no disposition).
       WHEN GROUPING(practice) = 0 AND GROUPING(disposition) = 0 THEN practice || '|' || coalesce(disposition, '')
       ELSE coalesce(service, provider, consumer, practice, disposition, error_message) END AS grp,
  count(*) FILTER (WHERE event_type = 'booking_succeeded') AS bookings,
  count(*) FILTER (WHERE event_type = 'referral_sent' AND referral_outcome = 'success') AS referrals,
  count(*) FILTER (WHERE event_id = first_referral AND NOT booked) AS ref_unbooked,
  count(*) FILTER (WHERE event_id = first_referral AND NOT booked AND slots = 0) AS ref_no_slot,
  count(*) FILTER (WHERE event_id = first_referral AND NOT booked AND slots > 0) AS ref_slots,
  count(*) FILTER (WHERE event_id = first_referral AND NOT booked AND slots > 0 AND breaching = slots)
    AS ref_all_breach,
  count(*) FILTER (WHERE event_type = 'booking_failed') AS failed,
  count(*) FILTER (WHERE event_type = 'booking_failed' AND http_status = 409) AS failed_409,
  count(*) FILTER (WHERE event_type = 'service_selected' AND service_rank > 1 AND top_bookable) AS rank_over_1,
  count(*) FILTER (WHERE event_type = 'appointment_cancelled') AS cancelled,
  count(*) FILTER (WHERE event_type = 'appointment_cancelled' AND cancel_stage = 'in_call') AS cancel_in_call,
  count(*) FILTER (WHERE event_type = 'appointment_cancelled' AND cancel_stage = 'call_back') AS cancel_call_back,
  count(*) FILTER (WHERE event_type = 'appointment_rebooked') AS rebooked,
  count(*) FILTER (WHERE event_type = 'slot_offered' AND deadline IS NOT NULL AND slot_start <= deadline)
    AS slots_ok,
  count(*) FILTER (WHERE event_type = 'slot_offered' AND deadline IS NOT NULL AND slot_start > deadline)
    AS slots_breach
FROM e
GROUP BY GROUPING SETS (
  (event_date), (event_date, service), (event_date, provider), (event_date, consumer), (event_date, practice),
  (event_date, disposition), (event_date, error_message), (event_date, service, error_message),
  (event_date, practice, disposition)
)
-- A practice's dispositions only for cases with a practice: they are read only within an area.
HAVING NOT (GROUPING(practice) = 0 AND GROUPING(disposition) = 0 AND practice IS NULL)
-- Grouping first, so that a range question on one grouping reads few row groups.
ORDER BY grouping, event_date;

DROP TABLE booking_dirty_date;

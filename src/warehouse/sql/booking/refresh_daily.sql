-- Recomputes booking_daily (migration 0018) for the dates in booking_dirty_date, from all the events of those
-- dates and their cases' facts (booking_case, refreshed first). One row per date, grouping and group: for each
-- event, its groups are attributed as ADR 0020 says (service/provider: the event's own, else the case's last
-- selection; consumer: the event's own, else the case's first; practice and disposition: the case's), and each
-- column counts the events that one or more measures count or pair (the mapping is in booking/measure.sql).
-- Practices are kept as given: the PCN, sub-ICB, ICB and region are looked up at query time on today's
-- structure. Keep in step with the fill in migration 0018 (a test compares them).
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
    WHEN GROUPING(service) = 0 THEN 'service'
    WHEN GROUPING(provider) = 0 THEN 'provider'
    WHEN GROUPING(consumer) = 0 THEN 'consumer'
    WHEN GROUPING(practice) = 0 THEN 'practice'
    WHEN GROUPING(disposition) = 0 THEN 'disposition'
    WHEN GROUPING(error_message) = 0 THEN 'error'
    ELSE 'none'
  END AS grouping,
  coalesce(service, provider, consumer, practice, disposition, error_message) AS grp,
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
  (event_date, disposition), (event_date, error_message)
)
-- Grouping first, so that a range question on one grouping reads few row groups.
ORDER BY grouping, event_date

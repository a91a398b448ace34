-- Daily booking MI figures (issue 13 item 6, docs/adr/0020-booking-mi.md "Performance"): for each London date,
-- grouping (none, service, provider, consumer, practice, disposition, error) and group, the counts of events
-- the measures count or pair, so that a question over any range sums a few small rows per day instead of
-- joining every event in the range with its case. Kept by the booking ingest in the load's transaction for
-- every date on which a case the load touched has an event (src/warehouse/sql/booking/refresh_daily.sql);
-- PCN, sub-ICB, ICB and region are looked up from the practice at query time (today's structure).
CREATE TABLE booking_daily (
  event_date DATE NOT NULL,
  grouping VARCHAR NOT NULL,          -- none | service | provider | consumer | practice | disposition | error
  grp VARCHAR,                        -- the group's code or value; NULL: none, or Unknown
  bookings BIGINT NOT NULL,           -- booking_succeeded
  referrals BIGINT NOT NULL,          -- referral_sent with outcome success
  ref_unbooked BIGINT NOT NULL,       -- a case's first successful referral, the case not booked
  ref_no_slot BIGINT NOT NULL,        --   … and no slot offered
  ref_slots BIGINT NOT NULL,          --   … and slots offered
  ref_all_breach BIGINT NOT NULL,     --   … and every slot offered would have breached
  failed BIGINT NOT NULL,             -- booking_failed
  failed_409 BIGINT NOT NULL,         --   … with HTTP 409
  rank_over_1 BIGINT NOT NULL,        -- service_selected with rank > 1 in a case whose top entry was bookable
  cancelled BIGINT NOT NULL,          -- appointment_cancelled, any stage
  cancel_in_call BIGINT NOT NULL,
  cancel_call_back BIGINT NOT NULL,
  rebooked BIGINT NOT NULL,           -- appointment_rebooked
  slots_ok BIGINT NOT NULL,           -- slot_offered in a triaged case, starting by its deadline
  slots_breach BIGINT NOT NULL        -- slot_offered in a triaged case, starting after its deadline
);

-- Existing warehouses: the figures of every date loaded so far (the statement below is refresh_daily's, over
-- all dates; a test checks they are the same text).
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
ORDER BY grouping, event_date;

DROP TABLE booking_dirty_date;

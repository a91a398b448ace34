-- One booking MI measure over an inclusive range of Europe/London dates, by period and group: the count and
-- the paired count (issue 13; definitions in README "Urgent-care booking MI", attribution in ADR 0020).
-- $1 measure id, $2 grouping (none | service | provider | consumer | practice | pcn | sub-icb | icb | region
-- | disposition | error), $3 first date, $4 last date, $5 grain (none | week | month).
-- Each measure counts its defining events whose London date lies in [$3, $4]; what a condition says about a
-- case (booked, slots offered, every slot would breach, top entry bookable) looks at all the case's events,
-- whatever their date. Slot availability (rep-prov-03's paired figure) comes from booking_slots.
WITH in_range AS (
  SELECT * FROM booking_event WHERE event_date BETWEEN $3::DATE AND $4::DATE
),
case_event AS (
  SELECT * FROM booking_event WHERE case_id IN (SELECT DISTINCT case_id FROM in_range)
),
-- What is known about each case from all its events. "First" and "last" are by (event_time, event_id).
case_fact AS (
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
    count(*) FILTER (WHERE event_type = 'slot_offered') AS slots
  FROM case_event
  GROUP BY case_id
),
case_slots AS (
  SELECT s.case_id, count(*) AS breaching
  FROM case_event s JOIN case_fact c USING (case_id)
  WHERE s.event_type = 'slot_offered' AND c.deadline IS NOT NULL AND s.slot_start > c.deadline
  GROUP BY s.case_id
),
flagged AS (
  SELECT
    e.event_date,
    CASE $2
      WHEN 'service' THEN coalesce(e.service_id, c.selected_service)
      WHEN 'provider' THEN coalesce(e.provider_ods, c.selected_provider)
      WHEN 'consumer' THEN coalesce(e.consumer_ods, c.consumer)
      WHEN 'practice' THEN a.practice_code
      WHEN 'pcn' THEN a.pcn_code
      WHEN 'sub-icb' THEN a.sub_icb_code
      WHEN 'icb' THEN a.icb_code
      WHEN 'region' THEN a.region_code
      WHEN 'disposition' THEN c.disposition
      WHEN 'error' THEN e.error_message
    END AS grp,
    CASE $1
      WHEN 'rep-cons-02' THEN e.event_id = c.first_referral AND NOT c.booked AND c.slots = 0
      WHEN 'rep-cons-03' THEN e.event_id = c.first_referral AND NOT c.booked AND c.slots > 0
      WHEN 'rep-cons-04' THEN e.event_type = 'booking_failed' AND e.http_status = 409
      WHEN 'rep-cons-05' THEN e.event_type = 'service_selected' AND e.service_rank > 1 AND c.top_bookable
      WHEN 'rep-cons-06' THEN e.event_type = 'booking_failed'
      WHEN 'rep-cons-07' THEN e.event_type = 'appointment_cancelled' AND e.cancel_stage = 'in_call'
      WHEN 'rep-cons-08' THEN e.event_type = 'appointment_rebooked'
      WHEN 'rep-cons-09' THEN e.event_type = 'appointment_cancelled' AND e.cancel_stage = 'call_back'
      WHEN 'rep-cons-12' THEN e.event_id = c.first_referral AND NOT c.booked AND c.slots > 0
        AND coalesce(b.breaching, 0) = c.slots
      WHEN 'rep-prov-04' THEN e.event_id = c.first_referral AND NOT c.booked
      WHEN 'rep-prov-05' THEN e.event_type = 'appointment_cancelled'
      ELSE e.event_type = 'booking_succeeded'   -- rep-cons-01, -10, -11, rep-prov-01, -02, -03
    END AS counted,
    CASE $1
      WHEN 'rep-cons-10' THEN e.event_type = 'slot_offered' AND c.deadline IS NOT NULL AND e.slot_start <= c.deadline
      WHEN 'rep-cons-11' THEN e.event_type = 'slot_offered' AND c.deadline IS NOT NULL AND e.slot_start > c.deadline
      WHEN 'rep-cons-01' THEN e.event_type = 'referral_sent' AND e.referral_outcome = 'success'
      WHEN 'rep-prov-02' THEN e.event_type = 'referral_sent' AND e.referral_outcome = 'success'
      WHEN 'rep-prov-04' THEN e.event_type = 'referral_sent' AND e.referral_outcome = 'success'
      ELSE false
    END AS paired
  FROM in_range e
  JOIN case_fact c USING (case_id)
  LEFT JOIN case_slots b USING (case_id)
  LEFT JOIN practice_ancestry a ON a.structure = 'current' AND a.practice_code = c.practice
),
counts AS (
  SELECT event_date, grp, count(*) FILTER (WHERE counted) AS n, count(*) FILTER (WHERE paired) AS p,
    NULL::BIGINT AS slots
  FROM flagged
  WHERE counted OR paired
  GROUP BY ALL
  UNION ALL
  SELECT date, CASE $2 WHEN 'service' THEN service_id WHEN 'provider' THEN provider_ods END, 0, 0,
    sum(slots_available)
  FROM booking_slots
  WHERE $1 = 'rep-prov-03' AND date BETWEEN $3::DATE AND $4::DATE
  GROUP BY ALL
),
answer AS (
  SELECT
    CAST(CASE $5 WHEN 'week' THEN date_trunc('week', event_date) WHEN 'month' THEN date_trunc('month', event_date) END AS DATE)
      AS period_start,
    CASE WHEN $2 = 'none' THEN NULL ELSE coalesce(grp, 'Unknown') END AS grp,
    sum(n) AS count,
    sum(p) AS paired,
    sum(slots) AS slots
  FROM counts
  GROUP BY ALL
)
-- Area names for the groupings through the registered practice.
SELECT r.period_start, r.grp, ar.name AS group_name, r.count, r.paired, r.slots
FROM answer r
LEFT JOIN area ar
  ON ar.area_level = CASE $2 WHEN 'practice' THEN 'practice' WHEN 'pcn' THEN 'pcn' WHEN 'sub-icb' THEN 'sub_icb'
                      WHEN 'icb' THEN 'icb' WHEN 'region' THEN 'region' END
  AND ar.area_code = r.grp
ORDER BY r.period_start, r.grp

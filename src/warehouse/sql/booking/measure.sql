-- One booking MI measure over an inclusive range of Europe/London dates, by period and group: the count and
-- the paired count (issue 13; definitions in README "Urgent-care booking MI", attribution in ADR 0020).
-- $1 measure id, $2 grouping (none | service | provider | consumer | practice | pcn | sub-icb | icb | region
-- | disposition | error), $3 first date, $4 last date, $5 grain (none | week | month).
-- Each measure counts its defining events whose London date lies in [$3, $4]; what a condition says about a
-- case (booked, slots offered, every slot would breach, top entry bookable) looks at all the case's events,
-- whatever their date (table booking_case, kept by the ingest). Slot availability (rep-prov-03's paired
-- figure) comes from booking_slots.
WITH in_range AS (
  -- Only the event types the measure counts or pairs (fewer rows to join with their cases).
  SELECT * FROM booking_event
  WHERE event_date BETWEEN $3::DATE AND $4::DATE
    AND list_contains(CASE $1
      WHEN 'rep-cons-02' THEN ['referral_sent']
      WHEN 'rep-cons-03' THEN ['referral_sent']
      WHEN 'rep-cons-12' THEN ['referral_sent']
      WHEN 'rep-prov-04' THEN ['referral_sent']
      WHEN 'rep-cons-04' THEN ['booking_failed']
      WHEN 'rep-cons-06' THEN ['booking_failed']
      WHEN 'rep-cons-05' THEN ['service_selected']
      WHEN 'rep-cons-07' THEN ['appointment_cancelled']
      WHEN 'rep-cons-09' THEN ['appointment_cancelled']
      WHEN 'rep-prov-05' THEN ['appointment_cancelled']
      WHEN 'rep-cons-08' THEN ['appointment_rebooked']
      WHEN 'rep-cons-10' THEN ['booking_succeeded', 'slot_offered']
      WHEN 'rep-cons-11' THEN ['booking_succeeded', 'slot_offered']
      WHEN 'rep-cons-01' THEN ['booking_succeeded', 'referral_sent']
      WHEN 'rep-prov-02' THEN ['booking_succeeded', 'referral_sent']
      ELSE ['booking_succeeded']
    END, event_type)
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
        AND c.breaching = c.slots
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
  JOIN booking_case c USING (case_id)
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

-- One booking MI measure over an inclusive range of Europe/London dates, by period and group: the count and
-- the paired count (issue 13; definitions in README "Urgent-care booking MI", attribution in ADR 0020).
-- $1 measure id, $2 grouping (none | service | provider | consumer | practice | pcn | sub-icb | icb | region
-- | disposition | error), $3 first date, $4 last date, $5 grain (none | week | month).
-- Reads the daily figures (booking_daily, migration 0018, kept by the ingest from the events and their cases'
-- facts: booking/refresh_daily.sql says which events each column counts); a measure is one column, its paired
-- figure another. PCN, sub-ICB, ICB and region come from the practice on today's structure. Slot availability
-- (rep-prov-03's paired figure) comes from booking_slots.
WITH daily AS (
  SELECT
    d.event_date,
    CASE $2
      WHEN 'practice' THEN a.practice_code
      WHEN 'pcn' THEN a.pcn_code
      WHEN 'sub-icb' THEN a.sub_icb_code
      WHEN 'icb' THEN a.icb_code
      WHEN 'region' THEN a.region_code
      ELSE d.grp
    END AS grp,
    CASE $1
      WHEN 'rep-cons-02' THEN d.ref_no_slot
      WHEN 'rep-cons-03' THEN d.ref_slots
      WHEN 'rep-cons-04' THEN d.failed_409
      WHEN 'rep-cons-05' THEN d.rank_over_1
      WHEN 'rep-cons-06' THEN d.failed
      WHEN 'rep-cons-07' THEN d.cancel_in_call
      WHEN 'rep-cons-08' THEN d.rebooked
      WHEN 'rep-cons-09' THEN d.cancel_call_back
      WHEN 'rep-cons-12' THEN d.ref_all_breach
      WHEN 'rep-prov-04' THEN d.ref_unbooked
      WHEN 'rep-prov-05' THEN d.cancelled
      ELSE d.bookings   -- rep-cons-01, -10, -11, rep-prov-01, -02, -03
    END AS n,
    CASE $1
      WHEN 'rep-cons-10' THEN d.slots_ok
      WHEN 'rep-cons-11' THEN d.slots_breach
      WHEN 'rep-cons-01' THEN d.referrals
      WHEN 'rep-prov-02' THEN d.referrals
      WHEN 'rep-prov-04' THEN d.referrals
      ELSE 0
    END AS p
  FROM booking_daily d
  LEFT JOIN practice_ancestry a
    ON $2 IN ('practice', 'pcn', 'sub-icb', 'icb', 'region') AND a.structure = 'current' AND a.practice_code = d.grp
  WHERE d.grouping = CASE WHEN $2 IN ('practice', 'pcn', 'sub-icb', 'icb', 'region') THEN 'practice' ELSE $2 END
    AND d.event_date BETWEEN $3::DATE AND $4::DATE
),
-- Summed straight to the period (none, week or month): grouping by date first would hash every daily row.
counts AS (
  SELECT
    CAST(CASE $5 WHEN 'week' THEN date_trunc('week', event_date) WHEN 'month' THEN date_trunc('month', event_date) END AS DATE)
      AS period_start,
    grp, sum(n) AS n, sum(p) AS p, NULL::BIGINT AS slots
  FROM daily
  WHERE n > 0 OR p > 0
  GROUP BY ALL
  UNION ALL
  SELECT
    CAST(CASE $5 WHEN 'week' THEN date_trunc('week', date) WHEN 'month' THEN date_trunc('month', date) END AS DATE),
    CASE $2 WHEN 'service' THEN service_id WHEN 'provider' THEN provider_ods END, 0, 0, sum(slots_available)
  FROM booking_slots
  WHERE $1 = 'rep-prov-03' AND date BETWEEN $3::DATE AND $4::DATE
  GROUP BY ALL
),
answer AS (
  SELECT
    period_start,
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

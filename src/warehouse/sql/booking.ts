/**
 * Urgent-care booking MI: checked journeys, daily figures and problems (issue 12).
 *
 * One exported query object per statement (ADR 0039): import it, pass it to the database (`db.all(q, params)`);
 * positional parameters $1, $2 … only, never values written into the text.
 */
import { query } from '../query.ts';

/**
 * Types every row of a booking-journey events file and gives the first rule it breaks as (field, reason).
 * Input: temp view booking_raw (line_no and every column of BOOKING_EVENT_COLUMNS as text, NULL when the file
 * has no such column). {{EVENT_TYPES}} = the known event types (a list literal of fixed identifiers, put in by
 * the code), $1, $2 = the first and the exclusive last instant of the plausible span, $3, $4 = those London
 * days for the message. Writes temp table booking_checked.
 * Free-text values (ids, error messages) are never echoed in a reason; codes are, cut to 40 characters.
 */
export const checkedEvents = query('booking.checkedEvents')`
CREATE OR REPLACE TEMP TABLE booking_checked AS
WITH typed AS (
  SELECT
    line_no,
    nullif(trim(event_id), '') AS event_id,
    nullif(trim(event_time), '') AS event_time_text,
    CASE WHEN regexp_full_match(trim(event_time),
           '\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|z|[+-]\\d{2}(:?\\d{2})?)')
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
           '\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|z|[+-]\\d{2}(:?\\d{2})?)')
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
`;

/**
 * Types every row of a slot availability file and gives the first rule it breaks as (field, reason).
 * Input: temp view booking_raw (line_no, date, service_id, provider_ods, slots_available as text).
 * $1, $2 = the first and last accepted dates. Writes temp table booking_slots_checked; a key repeated in the
 * file is rejected on its second and later lines.
 */
export const checkedSlots = query('booking.checkedSlots')`
CREATE OR REPLACE TEMP TABLE booking_slots_checked AS
WITH typed AS (
  SELECT
    line_no,
    nullif(trim(date), '') AS date_text,
    CASE WHEN regexp_full_match(trim(date), '\\d{4}-\\d{2}-\\d{2}') THEN TRY_CAST(trim(date) AS DATE) END AS date,
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
`;

/**
 * The London dates whose daily figures a load ($1) may have changed: every date on which any case the load
 * touched has an event (a case-level fact such as "booked" or "every slot would breach" looks at the whole case,
 * so a new event can change the figure of an older date). Kept in a temp table for delete_daily and
 * refresh_daily.
 */
export const dailyDirtyDates = query('booking.dailyDirtyDates')`
CREATE OR REPLACE TEMP TABLE booking_dirty_date AS
SELECT DISTINCT event_date
FROM booking_event
WHERE case_id IN (SELECT case_id FROM booking_event WHERE load_id = $1)
`;

/**
 * Inserts the checked rows of the file being loaded ($1 load id): the first row of each event id in the file,
 * and only ids no earlier load holds (an event sent twice counts once). Run only when no row was rejected.
 */
export const insertEvents = query('booking.insertEvents')`
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
`;

/**
 * Records a booking file load, last, in the same transaction as its rows (its commit record).
 */
export const insertLoad = query('booking.insertLoad')`
INSERT INTO booking_load (load_id, kind, source_file, sha256, format, rows_read, rows_loaded, rows_duplicate,
  first_date, last_date, is_demo, loaded_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now()::TIMESTAMP)
`;

/**
 * Booking MI measures over an inclusive range of Europe/London dates, by measure, period and group: the count and
 * the paired count (issue 13; definitions in README "Urgent-care booking MI", attribution in ADR 0020).
 * $1 the measure ids, comma-separated (one, or a page's twelve at once: the daily rows are read and summed
 * once, and each measure is then one column of the sums, its paired figure another), $2 grouping (none |
 * service | provider | consumer | practice | pcn | sub-icb | icb | region | disposition | error |
 * service-error: "service — error message"), $3 first date, $4 last date, $5 grain (none | week | month), $6
 * the level of the area the cases are narrowed to (region | icb | sub_icb | pcn | practice; '' for every case),
 * $7 its code: only the practice rows of its practices are read (practice-disposition rows for $2 =
 * disposition), so $2 is then none, disposition or an area below it, and slot availability, which is a
 * provider's and no area's, is left out.
 * Reads the daily figures (booking_daily, migration 0018, kept by the ingest from the events and their cases'
 * facts: refreshDaily says which events each column counts). PCN, sub-ICB, ICB and region come from the
 * practice on today's structure. Slot availability (rep-prov-03's paired figure) comes from booking_slots.
 */
export const measure = query('booking.measure')`
WITH asked AS (SELECT unnest(string_split($1, ',')) AS measure),
daily AS (
  SELECT
    d.*,
    CASE WHEN $2 IN ('practice', 'pcn', 'sub-icb', 'icb', 'region') THEN a.ancestor_code
         WHEN d.grouping = 'practice-disposition' THEN nullif(substr(d.grp, strpos(d.grp, '|') + 1), '')
         ELSE d.grp END AS grp_of
  FROM booking_daily d
  -- The practice's area at the grouping's level (the practice itself for 'practice'), from the closure.
  LEFT JOIN area_ancestry a
    ON $2 IN ('practice', 'pcn', 'sub-icb', 'icb', 'region') AND a.structure = 'current'
   AND a.area_level = 'practice' AND a.area_code = d.grp
   AND a.ancestor_level = CASE $2 WHEN 'sub-icb' THEN 'sub_icb' ELSE $2 END
  -- Within an area: its practices' rows, by disposition from the practice-disposition rows.
  WHERE d.grouping = CASE WHEN $6 <> '' AND $2 = 'disposition' THEN 'practice-disposition'
                          WHEN $2 IN ('practice', 'pcn', 'sub-icb', 'icb', 'region') OR $6 <> '' THEN 'practice'
                          ELSE $2 END
    AND d.event_date BETWEEN $3::DATE AND $4::DATE
    AND ($6 = '' OR split_part(d.grp, '|', 1) IN (
      SELECT w.area_code FROM area_ancestry w
      WHERE w.structure = 'current' AND w.area_level = 'practice' AND w.ancestor_level = $6 AND w.ancestor_code = $7
    ))
),
-- Summed straight to the period (none, week or month) and group: grouping by date first would hash every
-- daily row.
sums AS (
  SELECT
    CAST(CASE $5 WHEN 'week' THEN date_trunc('week', event_date) WHEN 'month' THEN date_trunc('month', event_date) END AS DATE)
      AS period_start,
    grp_of AS grp,
    sum(bookings) AS bookings, sum(referrals) AS referrals, sum(ref_unbooked) AS ref_unbooked,
    sum(ref_no_slot) AS ref_no_slot, sum(ref_slots) AS ref_slots, sum(ref_all_breach) AS ref_all_breach,
    sum(failed) AS failed, sum(failed_409) AS failed_409, sum(rank_over_1) AS rank_over_1,
    sum(cancelled) AS cancelled, sum(cancel_in_call) AS cancel_in_call, sum(cancel_call_back) AS cancel_call_back,
    sum(rebooked) AS rebooked, sum(slots_ok) AS slots_ok, sum(slots_breach) AS slots_breach
  FROM daily
  GROUP BY ALL
),
counts AS (
  SELECT
    m.measure, s.period_start, s.grp,
    CASE m.measure
      WHEN 'rep-cons-02' THEN s.ref_no_slot
      WHEN 'rep-cons-03' THEN s.ref_slots
      WHEN 'rep-cons-04' THEN s.failed_409
      WHEN 'rep-cons-05' THEN s.rank_over_1
      WHEN 'rep-cons-06' THEN s.failed
      WHEN 'rep-cons-07' THEN s.cancel_in_call
      WHEN 'rep-cons-08' THEN s.rebooked
      WHEN 'rep-cons-09' THEN s.cancel_call_back
      WHEN 'rep-cons-12' THEN s.ref_all_breach
      WHEN 'rep-prov-04' THEN s.ref_unbooked
      WHEN 'rep-prov-05' THEN s.cancelled
      ELSE s.bookings   -- rep-cons-01, -10, -11, rep-prov-01, -02, -03
    END AS n,
    CASE m.measure
      WHEN 'rep-cons-10' THEN s.slots_ok
      WHEN 'rep-cons-11' THEN s.slots_breach
      WHEN 'rep-cons-01' THEN s.referrals
      WHEN 'rep-prov-02' THEN s.referrals
      WHEN 'rep-prov-04' THEN s.referrals
      ELSE 0
    END AS p,
    NULL::BIGINT AS slots
  FROM sums s CROSS JOIN asked m
  UNION ALL
  SELECT
    'rep-prov-03',
    CAST(CASE $5 WHEN 'week' THEN date_trunc('week', date) WHEN 'month' THEN date_trunc('month', date) END AS DATE),
    CASE $2 WHEN 'service' THEN service_id WHEN 'provider' THEN provider_ods END, 0, 0, sum(slots_available)
  FROM booking_slots
  WHERE 'rep-prov-03' IN (SELECT measure FROM asked) AND $6 = '' AND date BETWEEN $3::DATE AND $4::DATE
  GROUP BY ALL
),
answer AS (
  SELECT
    measure,
    period_start,
    CASE WHEN $2 = 'none' THEN NULL ELSE coalesce(grp, 'Unknown') END AS grp,
    sum(n) AS count,
    sum(p) AS paired,
    sum(slots) AS slots
  FROM counts
  -- A group is in a measure's answer when the measure counts or pairs anything of it (or it has slots).
  WHERE n > 0 OR p > 0 OR slots IS NOT NULL
  GROUP BY ALL
)
-- Area names for the groupings through the registered practice; a sub-ICB location's with its place first, as
-- every page labels it ("Leeds — NHS West Yorkshire ICB - 15F", areaLabel).
SELECT r.measure, r.period_start, r.grp,
       CASE WHEN sp.place_name IS NULL THEN ar.name ELSE sp.place_name || ' — ' || ar.name END AS group_name,
       r.count, r.paired, r.slots
FROM answer r
LEFT JOIN area ar
  ON ar.area_level = CASE $2 WHEN 'practice' THEN 'practice' WHEN 'pcn' THEN 'pcn' WHEN 'sub-icb' THEN 'sub_icb'
                      WHEN 'icb' THEN 'icb' WHEN 'region' THEN 'region' END
  AND ar.area_code = r.grp
LEFT JOIN sub_icb_place sp ON $2 = 'sub-icb' AND ar.area_code IS NOT NULL AND sp.sub_icb_code = r.grp
ORDER BY r.measure, r.period_start, r.grp
`;

/**
 * The first rejected rows of the file being checked (temp table booking_checked or booking_slots_checked),
 * in file order. $1 limit.
 */
export const problems = query('booking.problems')`
SELECT line_no AS line, reject_field AS field, reject_reason AS reason
FROM booking_checked
WHERE reject_reason IS NOT NULL
ORDER BY line_no
LIMIT $1
`;

/**
 * The first rejected rows of the slot file being checked, in file order. $1 limit.
 */
export const problemsSlots = query('booking.problemsSlots')`
SELECT line_no AS line, reject_field AS field, reject_reason AS reason
FROM booking_slots_checked
WHERE reject_reason IS NOT NULL
ORDER BY line_no
LIMIT $1
`;

/**
 * The first and last London dates of the booking events loaded, and of the slot availability. Event dates come
 * from the load log (each events load records the span of the rows it added, in the same transaction), so the
 * answer costs a few rows whatever the number of events.
 */
export const range = query('booking.range')`
SELECT
  (SELECT min(first_date) FROM booking_load WHERE kind = 'events') AS first,
  (SELECT max(last_date) FROM booking_load WHERE kind = 'events') AS last,
  (SELECT min(date) FROM booking_slots) AS slots_first,
  (SELECT max(date) FROM booking_slots) AS slots_last
`;

/**
 * Recomputes booking_case for the cases a load ($1) touched, from all their events (of every load).
 */
export const refreshCases = query('booking.refreshCases')`
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
`;

/**
 * Recomputes booking_daily (migration 0018) for the dates in booking_dirty_date, from all the events of those
 * dates and their cases' facts (booking_case, refreshed first). One row per date, grouping and group: for each
 * event, its groups are attributed as ADR 0020 says (service/provider: the event's own, else the case's last
 * selection; consumer: the event's own, else the case's first; practice and disposition: the case's), and each
 * column counts the events that one or more measures count or pair (the mapping is in measure).
 * Practices are kept as given: the PCN, sub-ICB, ICB and region are looked up at query time on today's
 * structure. Keep in step with the refill in migration 0028 (a test compares them; 0018 holds the first version,
 * 0027 the one before practice-disposition). 'practice-disposition' rows ("practice|disposition") answer a
 * question by disposition narrowed to an area.
 */
export const refreshDaily = query('booking.refreshDaily')`
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
ORDER BY grouping, event_date
`;

/**
 * Writes the checked slot rows ($1 load id): a key already loaded takes the new figure (a corrected return).
 */
export const upsertSlots = query('booking.upsertSlots')`
INSERT OR REPLACE INTO booking_slots (date, service_id, provider_ods, slots_available, load_id)
SELECT date, service_id, provider_ods, slots_available, $1
FROM booking_slots_checked
`;

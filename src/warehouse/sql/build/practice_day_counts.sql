-- Event counts per metric, London date and practice. Practices not in the area model count as UNKNOWN.
CREATE OR REPLACE TEMP TABLE practice_day_count AS
SELECT
  s.metric_id,
  e.event_date,
  coalesce(p.area_code, 'UNKNOWN') AS practice_code,
  count(*) AS n
FROM build_event e
JOIN metric_selector s
  ON s.kind = 'count'
 AND e.event_type = s.event_type
 AND (s.identity_level IS NULL OR e.identity_level = s.identity_level)
 AND (s.record_type IS NULL OR e.record_type = s.record_type)
 AND (s.channel IS NULL OR e.channel = s.channel)
 AND (s.provider IS NULL OR e.provider = s.provider)
 AND (s.service IS NULL OR e.service = s.service)
LEFT JOIN area p
  ON p.area_level = 'practice' AND p.area_code = e.practice_code
GROUP BY ALL

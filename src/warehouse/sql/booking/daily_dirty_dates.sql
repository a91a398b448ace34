-- The London dates whose daily figures a load ($1) may have changed: every date on which any case the load
-- touched has an event (a case-level fact such as "booked" or "every slot would breach" looks at the whole case,
-- so a new event can change the figure of an older date). Kept in a temp table for delete_daily and
-- refresh_daily.
CREATE OR REPLACE TEMP TABLE booking_dirty_date AS
SELECT DISTINCT event_date
FROM booking_event
WHERE case_id IN (SELECT case_id FROM booking_event WHERE load_id = $1)

-- Forgets the daily figures of the dates in booking_dirty_date, before refresh_daily recomputes them.
DELETE FROM booking_daily WHERE event_date IN (SELECT event_date FROM booking_dirty_date)

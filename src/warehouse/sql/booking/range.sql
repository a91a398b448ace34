-- The first and last London dates of the booking events loaded, and of the slot availability. Event dates come
-- from the load log (each events load records the span of the rows it added, in the same transaction), so the
-- answer costs a few rows whatever the number of events.
SELECT
  (SELECT min(first_date) FROM booking_load WHERE kind = 'events') AS first,
  (SELECT max(last_date) FROM booking_load WHERE kind = 'events') AS last,
  (SELECT min(date) FROM booking_slots) AS slots_first,
  (SELECT max(date) FROM booking_slots) AS slots_last

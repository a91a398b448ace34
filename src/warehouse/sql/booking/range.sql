-- The first and last London dates of the booking events loaded, and of the slot availability.
SELECT
  (SELECT min(event_date) FROM booking_event) AS first,
  (SELECT max(event_date) FROM booking_event) AS last,
  (SELECT min(date) FROM booking_slots) AS slots_first,
  (SELECT max(date) FROM booking_slots) AS slots_last

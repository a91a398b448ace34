-- Forgets the case facts of the cases a load ($1) touched, before refresh_cases recomputes them.
DELETE FROM booking_case WHERE case_id IN (SELECT case_id FROM booking_event WHERE load_id = $1)

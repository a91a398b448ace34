-- Writes the checked slot rows ($1 load id): a key already loaded takes the new figure (a corrected return).
INSERT OR REPLACE INTO booking_slots (date, service_id, provider_ods, slots_available, load_id)
SELECT date, service_id, provider_ods, slots_available, $1
FROM booking_slots_checked

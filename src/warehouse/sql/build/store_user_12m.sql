-- Keeps the rolling 12-month state at month $1 (u12_state) for the next build to carry forward (ADR 0034).
INSERT INTO user_12m
SELECT $1::DATE, sig, user_id, last_month, practice_key, attr_date FROM u12_state

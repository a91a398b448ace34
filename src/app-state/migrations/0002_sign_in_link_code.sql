-- Issue 14 item 7 (docs/adr/0033-sign-in-link-in-another-browser.md): a sign-in link opened in a browser other
-- than the one that asked for it signs that browser in only with the short code shown in the asking browser.
-- The code is stored as a keyed hash bound to the link; wrong codes are counted, and the fifth spends the link.
-- Links from before this migration have no code (NULL) and keep working in the asking browser only.
ALTER TABLE sign_in_link ADD COLUMN IF NOT EXISTS code_hash VARCHAR;
ALTER TABLE sign_in_link ADD COLUMN IF NOT EXISTS code_attempts INTEGER DEFAULT 0;

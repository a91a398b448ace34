-- An edition restates whole months at the levels it carries: a file of an edition already loaded (the same
-- edition again as a CSV, or a corrected re-issue) replaces that edition's figures for the months and levels it
-- covers. Other editions are kept (revisions); mi_published is refreshed from them after the insert.
DELETE FROM mi_figure t
WHERE EXISTS (
  SELECT 1 FROM feed_stage_mi_published s
  WHERE s.edition = t.edition AND s.month = t.month AND s.level = t.level
)

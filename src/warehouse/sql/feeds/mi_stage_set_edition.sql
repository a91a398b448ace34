-- Rows staged without an edition (CSV extracts, which do not name theirs) belong to the earliest edition already
-- loaded that covers the file's last month (an extract of that edition), else to the edition of that month.
UPDATE feed_stage_mi_published
SET edition = coalesce(
  (
    SELECT min(f.edition)
    FROM mi_figure f
    WHERE f.month = (SELECT max(month) FROM feed_stage_mi_published)
  ),
  (SELECT max(month) FROM feed_stage_mi_published)
)
WHERE edition IS NULL

-- A publication restates whole months at the levels it carries: the ICB CSV replaces a month's ICB rows, the
-- national CSV its England rows, the workbook both.
DELETE FROM mi_published t
WHERE EXISTS (SELECT 1 FROM feed_stage_mi_published s WHERE s.month = t.month AND s.level = t.level)

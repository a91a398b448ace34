-- The wide practice_ancestry view (one column per level), kept by 0023 for reads written before the closure,
-- has no readers left: the hierarchy is area_ancestry (ADR 0040).
DROP VIEW IF EXISTS practice_ancestry;

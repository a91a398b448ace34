-- Editions of the NHS App Management Information publication (issue 12). Every edition loaded is kept:
-- mi_figure holds each edition's figures; mi_published keeps, for each month, level and measure, the figures of
-- the latest edition that covers it (whatever the loading order); mi_edition records each load's edition.
CREATE TABLE mi_figure (
  edition DATE NOT NULL,            -- the edition: the last month it covers (first day)
  month DATE NOT NULL,
  level VARCHAR NOT NULL,           -- england | icb
  icb_code VARCHAR NOT NULL,
  icb_name VARCHAR NOT NULL,
  region_code VARCHAR,
  region_name VARCHAR,
  measure VARCHAR NOT NULL,
  value BIGINT NOT NULL,
  source_file VARCHAR NOT NULL,
  load_id INTEGER NOT NULL,
  PRIMARY KEY (edition, month, level, icb_code, measure)
);

CREATE TABLE mi_edition (
  load_id INTEGER PRIMARY KEY,
  edition DATE NOT NULL,            -- the last month the edition covers
  published_on DATE,                -- from the title sheet; NULL when the file does not say
  title VARCHAR,                    -- e.g. "March 2025 to August 2025"
  source_file VARCHAR NOT NULL,
  file_kind VARCHAR NOT NULL,
  first_month DATE NOT NULL,
  last_month DATE NOT NULL
);

ALTER TABLE mi_published ADD COLUMN edition DATE;

-- Figures loaded before editions were recorded: each load is the edition of the last month it holds.
INSERT INTO mi_figure
SELECT
  max(month) OVER (PARTITION BY load_id) AS edition,
  month, level, icb_code, icb_name, region_code, region_name, measure, value, source_file, load_id
FROM mi_published;

UPDATE mi_published p
SET edition = (SELECT max(q.month) FROM mi_published q WHERE q.load_id = p.load_id);

INSERT INTO mi_edition
SELECT f.load_id, max(p.month), NULL, NULL, f.source_file, f.file_kind, min(p.month), max(p.month)
FROM feed_load f
JOIN mi_published p ON p.load_id = f.load_id
WHERE f.kind = 'mi-publication'
GROUP BY f.load_id, f.source_file, f.file_kind;

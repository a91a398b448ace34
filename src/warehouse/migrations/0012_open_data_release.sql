-- Releases of our own NHS App MI publication written by `nhs-app-analytics publish` (issue 12f), kept as an
-- archive: every release keeps its files (under DATA_DIR/open-data/<release_id>/) and notes; none is replaced.
CREATE TABLE open_data_release (
  release_id VARCHAR PRIMARY KEY,   -- YYYY-MM-N: the month and the how-many-th release of it
  month DATE NOT NULL,
  published_at TIMESTAMP NOT NULL,
  files VARCHAR NOT NULL,           -- file names, '|' separated
  notes VARCHAR NOT NULL,           -- one note per line
  disclosure BOOLEAN NOT NULL,
  data_version VARCHAR              -- the data version the figures were read at
);

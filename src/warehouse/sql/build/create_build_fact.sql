-- Everything the roll-ups add up, per practice: event counts, users already attributed to one practice per
-- period, feed figures and list sizes, by metric (dim_key: 0, or the provider and service of a jump-off
-- breakdown), grain (0 week, 1 month), period and the practice-map release in force (for as recorded).
CREATE OR REPLACE TEMP TABLE build_fact (
  metric_key SMALLINT NOT NULL,
  dim_key INTEGER NOT NULL,
  grain UTINYINT NOT NULL,
  period_start DATE NOT NULL,
  practice_key INTEGER NOT NULL,
  release DATE,
  n DOUBLE NOT NULL
)

-- The months about to be recomputed (those lying wholly within {lo}..{hi}), on one shard.
DELETE FROM user_month WHERE month >= {lo:Date} AND toLastDayOfMonth(month) <= {hi:Date}

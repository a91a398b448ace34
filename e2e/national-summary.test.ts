import { loadConfig } from '../src/config.ts';
import { fixedClock } from '../src/domain/clock.ts';
import { createTestQueries } from '../test/support/in-memory-queries.ts';
import { Warehouse } from '../src/warehouse/db.ts';
import { migrate } from '../src/warehouse/migrate.ts';
import { describeNationalSummary } from './national-summary.suite.ts';

describeNationalSummary('National summary page (in-memory test queries)', async () => {
  const db = await Warehouse.open(':memory:');
  await migrate(db); // the sign-in tables: the signed-in browser carries a real session
  return {
    deps: {
      db,
      config: loadConfig({}),
      clock: fixedClock('2026-11-18T09:00:00Z'),
      queries: createTestQueries(),
    },
    teardown: () => db.close(),
  };
});

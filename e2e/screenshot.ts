/**
 * Saves a full-page screenshot of a page served with the in-memory test queries, to eyeball the design:
 *   npx tsx e2e/screenshot.ts /tmp/national.png '/?grain=week&partial=1' [width]
 */
import { loadConfig } from '../src/config.ts';
import { fixedClock } from '../src/domain/clock.ts';
import { createTestQueries } from '../test/support/in-memory-queries.ts';
import { Warehouse } from '../src/warehouse/db.ts';
import { startHarness } from './browser.ts';

const [out = '/tmp/national.png', urlPath = '/', width = '1280'] = process.argv.slice(2);
const db = await Warehouse.open(':memory:');
const harness = await startHarness({
  db,
  config: loadConfig({}),
  clock: fixedClock('2026-11-18T09:00:00Z'),
  queries: createTestQueries(),
});
try {
  const page = await harness.newPage({ viewport: { width: Number(width), height: 900 } });
  await page.goto(urlPath);
  await page.screenshot({ path: out, fullPage: true });
  console.log(`saved ${out} (${harness.baseUrl}${urlPath})`);
} finally {
  await harness.close();
  db.close();
}

/**
 * Rankings asked for together (a practice page's three ranks) share their reads in one statement per
 * batch: each must come out exactly as when asked for alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapTestWarehouse, type MapTestWarehouse } from '../../test/support/map-warehouse.ts';
import { metricsShownOn } from '../domain/placements.ts';
import { getRanking } from './ranking.ts';
import { getDataStatus } from './status.ts';

let w: MapTestWarehouse;
beforeAll(async () => {
  w = await mapTestWarehouse();
});
afterAll(() => w?.close());

describe('rankings read together', () => {
  it('give each metric the ranking it has alone, in fewer statements', async () => {
    const status = await getDataStatus(w.db);
    const metrics = [...metricsShownOn(w.catalogue, 'practice_rank').map((m) => m.id), 'logins'];
    expect(metrics.length).toBeGreaterThan(2);
    for (const within of [
      { level: 'icb', code: 'QHM' },
      { level: 'england', code: 'E92000001' },
    ] as const) {
      const req = (metricId: string) => ({ metricId, level: 'practice', within, grain: 'month' }) as const;
      const alone = [];
      for (const id of metrics) alone.push(await getRanking(w.db, w.catalogue, req(id), status));
      let statements = 0;
      const all = w.db.all.bind(w.db);
      w.db.all = ((...args: Parameters<typeof all>) => {
        statements += 1;
        return all(...args);
      }) as typeof w.db.all;
      const shared = new Map<string, Promise<unknown>>();
      const together = await Promise.all(
        metrics.map((id) => getRanking(w.db, w.catalogue, req(id), status, shared)),
      );
      w.db.all = all;
      expect(together).toEqual(alone);
      expect(alone.some((r) => r.rows.some((row) => row.value !== null))).toBe(true);
      // The area ranked within (one look-up of the area model's signature: the area index is held) and its
      // members once, then one read of the members' figures, their list sizes (their periods differ: one
      // statement over the span of both) and England's figures, for all the metrics (alone: three for each).
      expect(statements).toBe(3);
    }
  });
});

/**
 * The build's unique-user and roll-up steps on ClickHouse (src/warehouse/sql/clickhouse, ADR 0027) give the
 * same figures as the DuckDB build, cell by cell, on the same random events; and split over shards by
 * cityHash64(user_id) % N, each shard's figures add up exactly to those of one table holding every event.
 * Embedded ClickHouse (chdb) stands in for the cluster: each shard is a database with the same local tables.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { listValue } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../domain/clock.ts';
import type { MetricDefinition } from '../domain/metric-definition.ts';
import { ingestEventFile } from '../ingest/events.ts';
import { rebuildAreas } from '../ingest/reference/areas.ts';
import { Warehouse } from '../warehouse/db.ts';
import { migrate } from '../warehouse/migrate.ts';
import { seededRandom } from '../demo/booking-journeys.ts';
import { RELEASES } from '../../test/support/two-releases.ts';
import { buildableMetrics, buildBounds, buildMetrics } from './build.ts';
import { loadCatalogue } from './catalogue.ts';
import {
  createClickHouseShard,
  runClickHouseRollup,
  runClickHouseUserSteps,
  type ClickHouseRunner,
} from './clickhouse-build.ts';
import { metricSelectorRows } from './selectors.ts';
import * as buildSql from '../warehouse/sql/build.ts';

interface ChdbSession {
  query(q: string, format?: string): string;
  queryBind(q: string, args: object, format?: string): string;
  close(): void;
}
const { Session } = createRequire(import.meta.url)('chdb') as { Session: new () => ChdbSession };

const PRACTICES = ['P00001', 'P00002', 'P00003', 'P00004', 'P00005', 'ZZZ999', ''];
const TYPES = [
  'login',
  'login',
  'registration',
  'prescription_ordered',
  'record_viewed',
  'appointment_booked',
];
// Instants at the BST changes, London midnights and month ends, over-represented on purpose.
const EDGES = [
  '2026-03-29T00:59:59Z',
  '2026-03-29T01:00:00Z',
  '2026-10-25T00:30:00Z',
  '2026-10-25T01:30:00Z',
  '2026-07-31T23:30:00Z',
  '2026-08-01T00:30:00Z',
  '2026-05-31T23:59:59Z',
  '2026-06-30T22:59:59Z',
  '2026-06-30T23:00:00Z',
  '2025-10-26T00:59:59Z',
  '2025-10-26T01:00:00Z',
];
const SHARDS = 3;

function randomEventsCsv(n: number): string {
  const r = seededRandom(27);
  const start = Date.parse('2025-06-01T00:00:00Z');
  const span = Date.parse('2026-11-15T00:00:00Z') - start;
  const lines = [
    'event_id,event_time,event_type,session_id,user_id,practice_code,identity_level,channel,record_type',
  ];
  for (let i = 0; i < n; i++) {
    const time =
      r() < 0.15
        ? EDGES[Math.floor(r() * EDGES.length)]!
        : new Date(start + Math.floor(r() * span)).toISOString();
    const type = TYPES[Math.floor(r() * TYPES.length)]!;
    // Regular users and occasional ones (gaps of months, so rolling windows see users drop out).
    const user = r() < 0.2 ? `occasional-${Math.floor(r() * 120)}` : `user-${Math.floor(r() * 80)}`;
    const level = r() < 0.85 ? 'P9' : 'P5';
    const record = type === 'record_viewed' ? (r() < 0.5 ? 'summary' : 'detailed_coded') : '';
    lines.push(
      [
        `e${i}`,
        time,
        type,
        `s${i}`,
        user,
        PRACTICES[Math.floor(r() * PRACTICES.length)]!,
        level,
        'ios',
        record,
      ].join(','),
    );
  }
  return lines.join('\n');
}

type Cell = {
  structure: number;
  metric_key: number;
  grain: number;
  period_start: string;
  area_key: number;
  value: number;
};
const key = (c: Omit<Cell, 'value'>) =>
  `${c.structure}|${c.metric_key}|${c.grain}|${c.period_start}|${c.area_key}`;
const asMap = (cells: Cell[]) => new Map(cells.map((c) => [key(c), Number(c.value)]));

describe('the ClickHouse build steps (chdb) against the DuckDB build', () => {
  let db: Warehouse;
  let ch: ChdbSession;
  let duckCells: Cell[];
  const readJson = <T>(q: string): T[] =>
    ch
      .query(q, 'JSONEachRow')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as T);
  const runnerIn = (database: string): ClickHouseRunner => ({
    run: async (statement, params) => {
      ch.query(`USE ${database}`);
      if (params) ch.queryBind(statement, params);
      else ch.query(statement);
    },
  });
  let catalogue: MetricDefinition[] = [];
  let unknownKey = 0;
  let englandKey = 0;
  let lastMonth = '';
  // The same bounds as the build (the later of its clock and the system's).
  const bounds = buildBounds(new Date(Math.max(Date.parse('2026-11-21T12:00:00Z'), Date.now())));

  beforeAll(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clickhouse-equivalence-'));
    db = await Warehouse.open(':memory:');
    await migrate(db);
    for (const [extract, rows] of Object.entries(RELEASES)) {
      for (const [practice, pcn, sub, icb, region] of rows) {
        await db.run(
          `INSERT INTO practice_map VALUES ($1::DATE, $2, 'Practice ' || $2, 'LS1 4AP', $3, 'PCN ' || $3, $4, NULL,
            'Sub-ICB ' || $4, $5, NULL, 'ICB ' || $5, $6, NULL, 'Region ' || $6, 'EMIS')`,
          [extract, practice, pcn, sub, icb, region],
        );
      }
    }
    await rebuildAreas(db);
    const file = path.join(dir, 'events.csv');
    fs.writeFileSync(file, randomEventsCsv(4000));
    await ingestEventFile(db, file, { now: new Date('2026-11-21T12:00:00Z') });
    catalogue = loadCatalogue();
    await buildMetrics(db, catalogue, fixedClock('2026-11-21T12:00:00Z'), undefined, { userPartitions: 1 });
    fs.rmSync(dir, { recursive: true, force: true });

    const metrics = buildableMetrics(catalogue);
    const uniqueIds = metrics
      .filter((m) => m.aggregation === 'unique_users' && m.source === 'events')
      .map((m) => m.id);
    duckCells = (
      await db.all<Cell>(
        `SELECT c.structure, c.metric_key, c.grain, CAST(c.period_start AS VARCHAR) AS period_start, c.area_key, c.value
         FROM metric_cell c JOIN metric_dim m USING (metric_key) WHERE list_contains($1, m.metric_id)`,
        [listValue(uniqueIds)],
      )
    ).map((c) => ({ ...c, value: Number(c.value) }));
    unknownKey = (await db.scalar<number>(
      "SELECT area_key FROM area_dim WHERE area_level = 'practice' AND area_code = 'UNKNOWN'",
    ))!;
    englandKey = (await db.scalar<number>("SELECT area_key FROM area_dim WHERE area_level = 'england'"))!;
    lastMonth = (await db.scalar<string>(
      "SELECT CAST(date_trunc('month', max(event_date)) AS DATE)::VARCHAR FROM activity_event",
    ))!;

    // The reference tables, as the DuckDB build derives them (small: the same on every shard).
    await db.run(buildSql.createBuildKeys);
    await db.run(buildSql.createDateRelease, ['2025-01-01', '2026-12-31']);
    const metricKeys = new Map(
      (
        await db.all<{ metric_id: string; metric_key: number }>(
          'SELECT metric_id, metric_key FROM metric_dim',
        )
      ).map((r) => [r.metric_id, Number(r.metric_key)]),
    );
    const reference: Record<string, unknown[]> = {
      build_practice: await db.all('SELECT practice_code, practice_key FROM build_practice'),
      anc_current: await db.all('SELECT * FROM anc_current'),
      anc_recorded: await db.all(
        'SELECT CAST(release AS VARCHAR) AS release, practice_key, pcn_key, sub_icb_key, icb_key, region_key FROM anc_recorded',
      ),
      date_release: await db.all(
        'SELECT CAST(attr_date AS VARCHAR) AS attr_date, CAST(release AS VARCHAR) AS release FROM date_release',
      ),
      metric_selector: metricSelectorRows(metrics)
        .filter((s) => s.kind !== 'count')
        .map((s) => ({
          metric_key: metricKeys.get(s.metricId),
          kind: s.kind,
          sig_key: s.sigKey,
          event_type: s.eventType,
          identity_level: s.identityLevel,
          record_type: s.recordType,
          channel: s.channel,
          provider: s.provider,
          service: s.service,
          p9_route: s.p9Route,
        })),
    };
    // The loaded events (after validation and de-duplication) with their users' ids (held in user_dim, ADR 0050),
    // instants in UTC; ClickHouse derives the London date.
    const events = await db.all(
      `SELECT event_id, strftime(timezone('UTC', event_time), '%Y-%m-%d %H:%M:%S.%f') AS event_time,
              CAST(event_type AS VARCHAR) AS event_type, d.user_id, practice_code,
              CAST(identity_level AS VARCHAR) AS identity_level, CAST(channel AS VARCHAR) AS channel,
              CAST(p9_route AS VARCHAR) AS p9_route, CAST(record_type AS VARCHAR) AS record_type, provider, service
       FROM activity_event e JOIN user_dim d USING (user_key)`,
    );

    ch = new Session();
    const jsonRows = (rows: unknown[]) =>
      rows
        .map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)))
        .join('\n');
    for (const database of ['single', 'total', ...Array.from({ length: SHARDS }, (_, i) => `shard_${i}`)]) {
      ch.query(`CREATE DATABASE ${database}`);
      await createClickHouseShard(runnerIn(database));
      for (const [table, rows] of Object.entries(reference)) {
        ch.query(`INSERT INTO ${database}.${table} FORMAT JSONEachRow\n${jsonRows(rows)}`);
      }
    }
    ch.query(`INSERT INTO single.event FORMAT JSONEachRow\n${jsonRows(events)}`);
    for (let i = 0; i < SHARDS; i++) {
      ch.queryBind(
        `INSERT INTO shard_${i}.event SELECT * FROM single.event WHERE cityHash64(user_id) % {n:UInt32} = {i:UInt32}`,
        { n: SHARDS, i },
      );
    }
  }, 60_000);

  afterAll(() => {
    ch?.close();
    db?.close();
  });

  it('DuckDB: the same figures and per-user monthly state when users are split into hash partitions', async () => {
    const parts = await db.all<{ n: number }>(
      'SELECT count(DISTINCT user_key) AS n FROM activity_event GROUP BY hash(user_key) % 3',
    );
    expect(parts.map((p) => Number(p.n)).every((n) => n > 20)).toBe(true);
    const snapshot = async () => ({
      cells: await db.all(
        `SELECT structure, metric_key, grain, CAST(period_start AS VARCHAR) AS p, area_key, value, uncovered
         FROM metric_cell ORDER BY ALL`,
      ),
      months: await db.all(
        `SELECT sig, CAST(month AS VARCHAR) AS m, user_id, practice_key, CAST(attr_date AS VARCHAR) AS a
         FROM user_month ORDER BY ALL`,
      ),
    });
    const one = await snapshot();
    expect(one.cells.length).toBeGreaterThan(10_000);
    expect(one.months.length).toBeGreaterThan(1000);
    const clock = fixedClock('2026-11-21T12:00:00Z');
    await buildMetrics(db, catalogue, clock, undefined, { userPartitions: 3 });
    expect(await snapshot()).toEqual(one);
  });

  it('gives every user to exactly one shard, and each shard some users', () => {
    const perShard = Array.from(
      { length: SHARDS },
      (_, i) => readJson<{ n: string }>(`SELECT uniqExact(user_id) AS n FROM shard_${i}.event`)[0]!.n,
    ).map(Number);
    const all = Number(readJson<{ n: string }>('SELECT uniqExact(user_id) AS n FROM single.event')[0]!.n);
    expect(all).toBe(200);
    expect(perShard.every((n) => n > 20)).toBe(true);
    expect(perShard.reduce((a, b) => a + b, 0)).toBe(all);
  });

  it('matches the DuckDB build cell by cell, on one table and summed over shards', async () => {
    const params = {
      lo: bounds.from,
      hi: bounds.to,
      t12lo: bounds.from,
      t12hi: bounds.to,
      lastMonth,
      unknown: unknownKey,
      incremental: false,
    };
    await runClickHouseUserSteps(runnerIn('single'), params);
    for (let i = 0; i < SHARDS; i++) await runClickHouseUserSteps(runnerIn(`shard_${i}`), params);

    // The shards' practice-level figures add up exactly to those of one table.
    type Fact = {
      metric_key: number;
      grain: number;
      period_start: string;
      practice_key: number;
      release: string;
      n: string;
    };
    const factKey = (f: Fact) =>
      `${f.metric_key}|${f.grain}|${f.period_start}|${f.practice_key}|${f.release}`;
    const single = new Map(readJson<Fact>('SELECT * FROM single.fact').map((f) => [factKey(f), Number(f.n)]));
    const summed = new Map<string, number>();
    for (let i = 0; i < SHARDS; i++) {
      for (const f of readJson<Fact>(`SELECT * FROM shard_${i}.fact`)) {
        summed.set(factKey(f), (summed.get(factKey(f)) ?? 0) + Number(f.n));
      }
    }
    expect(single.size).toBeGreaterThan(1000);
    expect(summed).toEqual(single);

    // Roll-ups: of one table, of the shards' facts gathered (as a Distributed table reads them), and each
    // shard's own roll-up summed.
    await runClickHouseRollup(runnerIn('single'), englandKey);
    for (let i = 0; i < SHARDS; i++) {
      ch.query(`INSERT INTO total.fact SELECT * FROM shard_${i}.fact`);
      await runClickHouseRollup(runnerIn(`shard_${i}`), englandKey);
    }
    await runClickHouseRollup(runnerIn('total'), englandKey);
    const cells = (database: string) =>
      readJson<Cell>(
        `SELECT structure, metric_key, grain, toString(period_start) AS period_start, area_key, value FROM ${database}.cell`,
      );
    const singleCells = asMap(cells('single'));
    const shardSum = new Map<string, number>();
    for (let i = 0; i < SHARDS; i++) {
      for (const c of cells(`shard_${i}`))
        shardSum.set(key(c), (shardSum.get(key(c)) ?? 0) + Number(c.value));
    }
    expect(asMap(cells('total'))).toEqual(singleCells);
    expect(shardSum).toEqual(singleCells);

    // And the DuckDB build's cells, every unique-user metric, grain, period, level and structure.
    const duck = asMap(duckCells);
    expect(duck.size).toBeGreaterThan(3000);
    const missing = [...duck.keys()].filter((k) => !singleCells.has(k)).slice(0, 5);
    const extra = [...singleCells.keys()].filter((k) => !duck.has(k)).slice(0, 5);
    const differing = [...duck]
      .filter(([k, v]) => singleCells.has(k) && singleCells.get(k) !== v)
      .slice(0, 5);
    expect({ missing, extra, differing }).toEqual({ missing: [], extra: [], differing: [] });
    expect(singleCells.size).toBe(duck.size);
  });
});

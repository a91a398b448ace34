/**
 * Peer position: where an area stands among the areas of the same level (all ICBs, all practices …) for
 * one metric and period, and the spread of those areas over time (the decile band drawn behind an area's
 * line, as OpenPrescribing does). Rates per 1,000 patients or % of patients are the meaningful case: counts
 * mostly measure an area's size, but work the same way.
 *
 * Peers (docs/adr/0010):
 * - rates (ratio metrics over patients aged 13+, and the 13+ patients themselves), always on today's
 *   structure: every area of the level with 13+ patients in the period; the figure is computed exactly as
 *   a rate series computes it (practices without a list size left out of both parts);
 * - counts, on today's structure: every current area of the level (0 when it has no figure) and any closed
 *   area with a figure in the period; as recorded at the time: the areas with a figure in the period.
 * "Unknown" is never a peer. Percentiles interpolate linearly between neighbouring figures (as
 * DuckDB's quantile_cont and R's type 7); rank 1 is the highest figure, tied areas share a rank; the
 * percentile rank is the share of the other peers with a lower figure (0 lowest … 100 highest).
 */
import { listValue } from '@duckdb/node-api';
import type { AreaLevel } from '../domain/areas.ts';
import type { Grain, MetricDefinition } from '../domain/metric-definition.ts';
import { periodStart as periodStartOf } from '../domain/periods.ts';
import type { Warehouse } from '../warehouse/db.ts';
import { comparisonMetric } from '../domain/page-rates.ts';
import { loadedPeriods } from './series.ts';
import { getDataStatus } from './status.ts';
import type { DataStatus, PeerBand, Structure } from './types.ts';
import * as querySql from '../warehouse/sql/query.ts';
import type { Query } from '../warehouse/query.ts';
import { patientRate } from '../domain/rate.ts';
import {
  peerField,
  quantiles,
  standing,
  standingIn,
  type PeerField,
  type Standing,
} from '../domain/statistics.ts';
import { metricKind } from '../domain/metric-kind.ts';
import { keptReads } from './kept-reads.ts';

export interface PeersRequest {
  /** A catalogue metric id, or `<count>_per_1000` for the rate derived from a count (as area pages do). */
  metricId: string;
  level: AreaLevel;
  code: string;
  grain: Grain;
  /** Any date in the period; its week or month is used. */
  period: string;
  structure: Structure;
}

export interface Peers {
  /** The metric the figures are of (the derived rate for `<count>_per_1000`). */
  metricId: string;
  level: AreaLevel;
  grain: Grain;
  periodStart: string;
  /** Structure the figures are on (rates and practices: always 'current'). */
  structure: Structure;
  /** Number of peer areas (the area itself included when it is one). */
  count: number;
  /** The area's figure; null when it is not among the peers (e.g. no 13+ list size for a rate). */
  value: number | null;
  /** 1 for the highest figure; tied areas share the rank. Null when the area is not among the peers. */
  rank: number | null;
  /** 0 (lowest) to 100 (highest): share of the other peers with a lower figure. Null without others. */
  percentileRank: number | null;
  /** Peers with exactly the area's figure, itself included (more than one: a joint rank). Null without a figure. */
  equal: number | null;
  /** p0, p10 … p100 of the peers' figures (11 numbers); [] when there are no peers. */
  deciles: number[];
}

export interface PeerBandsRequest {
  metricId: string;
  level: AreaLevel;
  grain: Grain;
  structure: Structure;
  /** Optional range, as dates: periods intersecting it. Defaults to every loaded period. */
  from?: string;
  to?: string;
  /**
   * False: compute the bands from the cube even when the build stored them (the stored ones are checked
   * against this). Default: read the stored bands of the rates the build keeps (build step peer-bands).
   */
  useStored?: boolean;
}

/**
 * Bands are the same for every area of a level (an area page asks for them for each of its tiles), so they
 * are kept per warehouse and data version: at most BAND_MEMO_SIZE answers, the oldest dropped first. A new
 * build gives a new data version and so new keys.
 */
const BAND_MEMO_SIZE = 512;
const bandMemo = new WeakMap<Warehouse, Map<string, PeerBand[]>>();

/** What identifies the figures a status describes: the data version, or the load's span without one. */
export function dataVersionOf(status: DataStatus): string {
  const v = (status as DataStatus & { dataVersion?: number }).dataVersion;
  return v !== undefined ? `v${v}` : `${status.refreshedAt}|${status.firstDay}|${status.lastDay}`;
}

/** A peer metric: a catalogue metric, or the per-1,000 rate derived from a count (docs/adr/0006). */
export function resolvePeerMetric(
  metricId: string,
  catalogue: MetricDefinition[],
): { metric: MetricDefinition; numerator: MetricDefinition | null; isRate: boolean } | null {
  const byId = new Map(catalogue.map((m) => [m.id, m]));
  const own = byId.get(metricId);
  if (own) {
    if (own.id === 'patients_13plus') return { metric: own, numerator: null, isRate: true };
    const kind = metricKind(own);
    // A ratio of two stored metrics is stored itself: compared like any stored figure.
    if (kind.kind === 'patient_rate') {
      const numerator = kind.numerator ? byId.get(kind.numerator) : undefined;
      return numerator ? { metric: own, numerator, isRate: true } : null;
    }
    return { metric: own, numerator: null, isRate: false };
  }
  const base = metricId.endsWith('_per_1000') ? byId.get(metricId.slice(0, -'_per_1000'.length)) : undefined;
  const derived = base ? comparisonMetric(base, catalogue) : null;
  if (!derived || derived.metric.id !== metricId) return null;
  return { metric: derived.metric, numerator: derived.numerator, isRate: true };
}

function unknownMetric(metricId: string): Error {
  return new RangeError(`no metric "${metricId}" that peers can be compared on`);
}

/**
 * The area's position among the areas of its level for one metric and period. Throws RangeError for a
 * metric peers cannot be compared on (not in the catalogue, or a rate whose numerator is missing). Ratios
 * of two stored metrics are stored, so they compare like any stored figure. The caller checks that the area exists: an unknown area simply has a null value.
 * The caller passes the metric catalogue too (query reads no metric files).
 */
export async function getPeers(
  db: Warehouse,
  req: PeersRequest,
  catalogue: MetricDefinition[],
  status?: DataStatus,
): Promise<Peers> {
  const resolved = resolvePeerMetric(req.metricId, catalogue);
  if (!resolved) throw unknownMetric(req.metricId);
  const periodStart = periodStartOf(req.grain, req.period);
  const structure: Structure = resolved.isRate || req.level === 'practice' ? 'current' : req.structure;
  if (resolved.isRate) {
    // One rate is the many-rate read with a list of one.
    const rate = { numerator: resolved.numerator?.id ?? '', multiplier: resolved.metric.multiplier ?? 1 };
    const st = status ?? (await getDataStatus(db));
    const [field] = await rateFields(db, st, req.level, req.grain, periodStart, [rate]);
    return peersOf(req, resolved.metric.id, periodStart, structure, rateStanding(field!, req.code));
  }
  const row = await db.one(querySql.peersCountValues, [
    structure,
    resolved.metric.id,
    req.grain,
    req.level,
    periodStart,
    req.code,
  ]);
  const own = row?.value ?? null;
  return peersOf(req, resolved.metric.id, periodStart, structure, {
    ...standing(row?.peer_values ?? [], own),
    value: own,
  });
}

type RateParts = typeof querySql.peersRateParts extends Query<infer R> ? R : never;

/** A level's rate in one period: its peers' figures (PeerField) and each area's own, null without one. */
interface RateField extends PeerField {
  own: Map<string, number | null>;
}

/**
 * Rate fields are the same for every area of a level (each of its pages asks for its own standing in them),
 * so they are kept per warehouse and data version like the bands (src/query/kept-reads.ts): at most 48 (a
 * practice level's is about 0.3 MB), the oldest dropped first. A practice page no longer reads every practice's parts
 * to rank one (ADR 0079).
 */
const keptRateFields = keptReads<RateField>(48);

/** The fields of `rates` in one level, grain and period, in the order given: those not kept in one query. */
function rateFields(
  db: Warehouse,
  status: DataStatus,
  level: AreaLevel,
  grain: Grain,
  periodStart: string,
  rates: PeerRate[],
): Promise<RateField[]> {
  const scale = status.demo?.scale ?? 1;
  const keyOf = (r: PeerRate) =>
    JSON.stringify([dataVersionOf(status), level, grain, periodStart, r.numerator, r.multiplier, scale]);
  const parts = (numerators: string[]) =>
    db.all(querySql.peersRateParts, [listValue(numerators), grain, level, periodStart]);
  // The rates not kept are read together, once, by whichever of them is asked for first; one dropped from the
  // kept ones meanwhile (by another of this list) is read on its own.
  const missing = rates.filter((r) => !keptRateFields.has(db, keyOf(r)));
  let together: Promise<RateParts[]> | null = null;
  const partsOf = async (rate: PeerRate) => {
    const i = missing.indexOf(rate);
    if (i < 0) return (await parts([rate.numerator]))[0];
    together ??= parts(missing.map((r) => r.numerator));
    return (await together).find((row) => row.i === i + 1);
  };
  return Promise.all(
    rates.map((rate) =>
      keptRateFields.get(db, keyOf(rate), async () => rateFieldOf(await partsOf(rate), rate, scale)),
    ),
  );
}

/** Every peer's rate from the parallel lists of their parts: patientRate()'s (the 13+ patients without a numerator). */
function rateFieldOf(row: RateParts | undefined, rate: PeerRate, scale: number): RateField {
  const own = new Map<string, number | null>();
  const values: number[] = [];
  row?.codes.forEach((code, k) => {
    const v = rateValue(rate, scale, row.stored[k]!, row.uncovered[k]!, row.patients[k]!);
    own.set(code, v);
    if (v !== null) values.push(v);
  });
  return { ...peerField(values), own };
}

/** Where an area stands on one rate: its figure (null when it is not a peer) among its level's. */
function rateStanding(field: RateField, code: string): Standing & { value: number | null } {
  const own = field.own.get(code) ?? null;
  return { ...standingIn(field, own), value: own };
}

interface PeerRate {
  /** The numerator metric's id; '' for the 13+ patients themselves. */
  numerator: string;
  multiplier: number;
}

/** One area's rate from its parts: patientRate()'s (the 13+ patients themselves without a numerator). */
function rateValue(rate: PeerRate, scale: number, stored: number, uncovered: number, patients: number) {
  if (rate.numerator === '') return patients;
  const r = patientRate({
    stored,
    uncovered,
    patients13plus: patients,
    patientScale: scale,
    multiplier: rate.multiplier,
  });
  return r?.value ?? null;
}

/** Every peer's rate from the parallel lists of their parts. */
function rateValues(
  parts: { stored: number[]; uncovered: number[]; patients: number[] },
  rate: PeerRate,
  scale: number,
): number[] {
  const out: number[] = [];
  parts.stored.forEach((s, k) => {
    const v = rateValue(rate, scale, s, parts.uncovered[k]!, parts.patients[k]!);
    if (v !== null) out.push(v);
  });
  return out;
}

/** The band's quantiles: p10, p25, p50, p75, p90. */
const BAND_QUANTILES = [0.1, 0.25, 0.5, 0.75, 0.9] as const;

/** A position from its standing among its peers. */
function peersOf(
  req: PeersRequest,
  metricId: string,
  periodStart: string,
  structure: Structure,
  s: Standing & { value: number | null },
): Peers {
  return {
    metricId,
    level: req.level,
    grain: req.grain,
    periodStart,
    structure,
    count: s.count,
    value: s.value,
    rank: s.rank,
    percentileRank: s.percentileRank,
    equal: s.equal,
    deciles: s.deciles,
  };
}

/**
 * getPeers for several requests (an area page's tiles), in the order given: the rates of one area, level,
 * grain and period in one query (peersRateParts) rather than one each; other metrics as getPeers.
 */
export async function getPeersMany(
  db: Warehouse,
  reqs: PeersRequest[],
  catalogue: MetricDefinition[],
  status?: DataStatus,
): Promise<Peers[]> {
  const out: Peers[] = new Array<Peers>(reqs.length);
  const groups = new Map<string, { at: number; numerator: string; multiplier: number }[]>();
  for (const [at, req] of reqs.entries()) {
    const resolved = resolvePeerMetric(req.metricId, catalogue);
    if (!resolved) throw unknownMetric(req.metricId);
    if (!resolved.isRate) {
      out[at] = await getPeers(db, req, catalogue, status);
      continue;
    }
    const key = JSON.stringify([req.level, req.code, req.grain, periodStartOf(req.grain, req.period)]);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push({
      at,
      numerator: resolved.numerator?.id ?? '',
      multiplier: resolved.metric.multiplier ?? 1,
    });
  }
  if (groups.size === 0) return out;
  const st = status ?? (await getDataStatus(db));
  for (const group of groups.values()) {
    const first = reqs[group[0]!.at]!;
    const periodStart = periodStartOf(first.grain, first.period);
    const fields = await rateFields(db, st, first.level, first.grain, periodStart, group);
    group.forEach((g, i) => {
      const req = reqs[g.at]!;
      const metricId = resolvePeerMetric(req.metricId, catalogue)!.metric.id;
      out[g.at] = peersOf(req, metricId, periodStart, 'current', rateStanding(fields[i]!, req.code));
    });
  }
  return out;
}

/**
 * The spread of a metric across the areas of one level, per loaded period (partial ones included and
 * marked): p10, p25, p50, p75 and p90 with the number of areas. Periods without peers are left out.
 * Answers are kept per data version (see bandMemo).
 */
export async function getPeerBands(
  db: Warehouse,
  req: PeerBandsRequest,
  catalogue: MetricDefinition[],
  status?: DataStatus,
): Promise<PeerBand[]> {
  const resolved = resolvePeerMetric(req.metricId, catalogue);
  if (!resolved) throw unknownMetric(req.metricId);
  const st = status ?? (await getDataStatus(db));
  const key = JSON.stringify([
    dataVersionOf(st),
    resolved.metric.id,
    resolved.metric.multiplier ?? null,
    req.level,
    req.grain,
    req.structure,
    req.from ?? null,
    req.to ?? null,
    req.useStored ?? true,
  ]);
  let memo = bandMemo.get(db);
  if (!memo) bandMemo.set(db, (memo = new Map()));
  const held = memo.get(key);
  if (held) return held.slice();
  const bands = await computePeerBands(db, req, resolved, st);
  memo.set(key, bands);
  for (const k of memo.keys()) {
    if (memo.size <= BAND_MEMO_SIZE) break;
    memo.delete(k);
  }
  return bands.slice();
}

/** Whether the warehouse has peer_band (figures published before it have not), per connection. */
const bandTables = new WeakMap<Warehouse, Promise<boolean>>();

/** Whether the warehouse has peer_band (figures published before it have not). */
function hasBandTable(db: Warehouse): Promise<boolean> {
  let table = bandTables.get(db);
  if (!table) {
    table = db
      .scalar<boolean>(
        "SELECT count(*) > 0 FROM duckdb_tables() WHERE database_name = current_database() AND table_name = 'peer_band_metric'",
      )
      .then((x) => x === true);
    bandTables.set(db, table);
  }
  return table;
}

async function computePeerBands(
  db: Warehouse,
  req: PeerBandsRequest,
  resolved: NonNullable<ReturnType<typeof resolvePeerMetric>>,
  st: DataStatus,
): Promise<PeerBand[]> {
  const numerator = resolved.isRate ? resolved.numerator : resolved.metric;
  const window = numerator?.window === 'rolling_12_months' ? 12 : 1;
  const periods = loadedPeriods(req.grain, st, true, req.from, req.to, window);
  if (periods.length === 0) return [];
  type BandRow = { period_start: string; n: number; q: number[] };
  let rows: BandRow[];
  let stored: (BandRow & { stored: boolean })[] | null = null;
  if (resolved.isRate && req.useStored !== false && (await hasBandTable(db))) {
    stored = await db.all<BandRow & { stored: boolean }>(querySql.peerBandRows, [
      resolved.metric.id,
      req.level,
      req.grain,
      periods[0]!.periodStart,
      periods[periods.length - 1]!.periodStart,
      resolved.numerator?.id ?? '',
      resolved.metric.multiplier ?? 1,
      st.demo?.scale ?? 1,
    ]);
  }
  if (stored?.[0]?.stored) {
    rows = stored.filter((r) => r.period_start !== null);
  } else if (resolved.isRate) {
    const parts = await db.all(querySql.peersRateBandParts, [
      resolved.numerator?.id ?? '',
      req.grain,
      req.level,
      periods[0]!.periodStart,
      periods[periods.length - 1]!.periodStart,
    ]);
    const rate = { numerator: resolved.numerator?.id ?? '', multiplier: resolved.metric.multiplier ?? 1 };
    rows = parts.map((p) => {
      const values = rateValues(p, rate, st.demo?.scale ?? 1);
      return { period_start: p.period_start, n: values.length, q: quantiles(values, BAND_QUANTILES) };
    });
  } else {
    const structure: Structure = req.level === 'practice' ? 'current' : req.structure;
    const values = await db.all(querySql.peersCountBandValues, [
      structure,
      resolved.metric.id,
      req.grain,
      req.level,
      listValue(periods.map((p) => p.periodStart)),
    ]);
    rows = values.map((v) => ({
      period_start: v.period_start,
      n: v.peer_values.length,
      q: quantiles(v.peer_values, BAND_QUANTILES),
    }));
  }
  const complete = new Map(periods.map((p) => [p.periodStart, p.complete]));
  return rows
    .filter((r) => complete.has(r.period_start))
    .map((r) => ({
      periodStart: r.period_start,
      complete: complete.get(r.period_start)!,
      p10: r.q[0]!,
      p25: r.q[1]!,
      p50: r.q[2]!,
      p75: r.q[3]!,
      p90: r.q[4]!,
      count: r.n,
    }));
}

/**
 * The figure reader applies the open-data rule and disclosure control for its viewer, and nobody else does
 * (ADR 0043): checked on a real warehouse against counts made by hand from the raw events, with the rules
 * written out again here rather than taken from the code under test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WarehouseQueries } from '../app/warehouse-queries.ts';
import { ANONYMOUS_VIEWER, OPERATOR_VIEWER, type Viewer } from '../domain/access.ts';
import { ENGLAND_CODE } from '../domain/areas.ts';
import { FigureAccess, RestrictedFigureError } from '../domain/figure-access.ts';
import type { MetricDefinition } from '../domain/metric-definition.ts';
import {
  ancestors,
  londonMonth,
  mapTestWarehouse,
  type MapTestWarehouse,
} from '../../test/support/map-warehouse.ts';
import { FigureReader } from './figures.ts';
import { getDataStatus } from './status.ts';
import type { DataStatus } from './types.ts';

const STAFF: Viewer = { signedIn: true, role: 'viewer', userId: 'u1', via: 'session' };

let w: MapTestWarehouse;
let status: DataStatus;
let logins: MetricDefinition;

function reader(viewer: Viewer, disclosure: boolean): FigureReader {
  return new FigureReader(new FigureAccess(viewer, { catalogue: w.catalogue, disclosure }), {
    catalogue: w.catalogue,
    pages: new WarehouseQueries(w.db, w.catalogue),
    db: w.db,
  });
}

/** Logins per month of one ICB, counted from the raw events. */
function icbLogins(icb: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of w.events) {
    if (e.type !== 'login' || ancestors(e.practice)?.icb !== icb) continue;
    const month = `${londonMonth(e.time)}-01`;
    out.set(month, (out.get(month) ?? 0) + 1);
  }
  return out;
}

/** The disclosure rule written out: 0 stays 0, 1 to 7 are not shown, others go to the nearest 5. */
const disclosed = (v: number) => (v === 0 ? 0 : v < 8 ? null : Math.round(v / 5) * 5);

beforeAll(async () => {
  w = await mapTestWarehouse();
  status = await getDataStatus(w.db);
  logins = w.catalogue.find((m) => m.id === 'logins')!;
});

afterAll(() => w?.close());

const icbSeries = {
  level: 'icb',
  code: 'QHM',
  grain: 'month',
  structure: 'current',
  includePartial: false,
} as const;

describe('FigureReader.series', () => {
  it('gives staff and visitors without disclosure control the exact counts, with their changes', async () => {
    const truth = icbLogins('QHM');
    for (const r of [reader(STAFF, true), reader(ANONYMOUS_VIEWER, false), reader(OPERATOR_VIEWER, true)]) {
      const points = await r.series(status, logins, icbSeries);
      expect(points.length).toBeGreaterThan(3);
      for (const [i, p] of points.entries()) {
        expect(p.value).toBe(truth.get(p.periodStart) ?? 0);
        const prev = points[i - 1];
        const change = prev && prev.value ? ((p.value! - prev.value) / prev.value) * 100 : null;
        if (change === null) expect(p.changePct).toBeNull();
        else expect(p.changePct).toBeCloseTo(change, 9);
      }
    }
  });

  it('gives visitors under disclosure control rounded or suppressed counts and no changes', async () => {
    const truth = icbLogins('QHM');
    const points = await reader(ANONYMOUS_VIEWER, true).series(status, logins, icbSeries);
    expect(points.length).toBeGreaterThan(3);
    for (const p of points) {
      expect(p.value).toBe(disclosed(truth.get(p.periodStart) ?? 0));
      expect(p.changePct).toBeNull();
    }
    // The test can tell rounding apart: some exact count is not a multiple of 5.
    expect([...truth.values()].some((v) => v >= 8 && v % 5 !== 0)).toBe(true);
    // England's counts are never disclosure-controlled.
    const england = await reader(ANONYMOUS_VIEWER, true).series(status, logins, {
      ...icbSeries,
      level: 'england',
      code: ENGLAND_CODE,
    });
    const all = new Map<string, number>();
    for (const e of w.events)
      if (e.type === 'login')
        all.set(`${londonMonth(e.time)}-01`, (all.get(`${londonMonth(e.time)}-01`) ?? 0) + 1);
    for (const p of england) expect(p.value).toBe(all.get(p.periodStart) ?? 0);
  });

  it('refuses visitors weekly figures, figures below ICB and metrics outside open data', async () => {
    const visitor = reader(ANONYMOUS_VIEWER, false);
    const records = w.catalogue.find((m) => m.id === 'record_views')!;
    await expect(visitor.series(status, logins, { ...icbSeries, grain: 'week' })).rejects.toThrow(
      RestrictedFigureError,
    );
    await expect(
      visitor.series(status, logins, { ...icbSeries, level: 'sub_icb', code: '16C' }),
    ).rejects.toThrow(RestrictedFigureError);
    await expect(visitor.series(status, records, icbSeries)).rejects.toThrow(RestrictedFigureError);
    // Staff see all three.
    const staff = reader(STAFF, true);
    await expect(staff.series(status, records, icbSeries)).resolves.toBeDefined();
    await expect(staff.series(status, logins, { ...icbSeries, grain: 'week' })).resolves.toBeDefined();
  });
});

describe('FigureReader.breakdown and rankings', () => {
  const req = {
    level: 'england',
    code: ENGLAND_CODE,
    child: 'region',
    grain: 'month',
    periodStart: '2026-10-01',
    structure: 'current',
  } as const;

  it('discloses the children’s counts for visitors and withholds their shares of the parent', async () => {
    const exact = await reader(STAFF, true).breakdown(status, logins, req);
    const open = await reader(ANONYMOUS_VIEWER, true).breakdown(status, logins, req);
    expect(exact.rows.length).toBeGreaterThan(1);
    expect(exact.rows.some((r) => r.shareOfParent !== null)).toBe(true);
    for (const row of open.rows) {
      const e = exact.rows.find((x) => x.code === row.code)!;
      expect(row.value).toBe(e.value === null ? null : disclosed(e.value));
      expect(row.shareOfParent).toBeNull();
    }
  });

  it('refuses visitors a ranking of counts under disclosure control, but not of a rate', async () => {
    const ranking = {
      level: 'icb',
      within: { level: 'england', code: ENGLAND_CODE },
      grain: 'month',
    } as const;
    await expect(
      reader(ANONYMOUS_VIEWER, true).ranking(status, { ...ranking, metricId: 'logins' }),
    ).rejects.toThrow(/rank areas on counts/);
    const staff = await reader(STAFF, true).ranking(status, { ...ranking, metricId: 'logins' });
    expect(staff.ranking.rows.length).toBeGreaterThan(0);
    expect(staff.shared).toBe(false);
    const rate = await reader(ANONYMOUS_VIEWER, true).ranking(status, {
      ...ranking,
      metricId: 'unique_logins_per_1000',
    });
    const exactRate = await reader(STAFF, true).ranking(status, {
      ...ranking,
      metricId: 'unique_logins_per_1000',
    });
    expect(rate.shared).toBe(false);
    expect(rate.ranking.rows.some((r) => r.count !== null && r.count % 5 !== 0 && r.count > 7)).toBe(false);
    for (const row of rate.ranking.rows) {
      const e = exactRate.ranking.rows.find((x) => x.code === row.code)!;
      // The rate is worked out from the disclosed count over the same (open) list size (ADR 0061).
      const count = e.count === null ? null : disclosed(e.count);
      expect(row.count, row.code).toBe(count);
      expect(row.denominator).toBe(e.denominator);
      if (count === null || e.denominator === null) expect(row.value).toBeNull();
      else expect(row.value!).toBeCloseTo((count / e.denominator) * 1000, 9);
      // Ranked on the rates given out: 1 + the number of higher ones.
      const higher = rate.ranking.rows.filter((x) => x.value !== null && x.value > row.value!).length;
      if (row.value !== null) expect(row.rank).toBe(higher + 1);
      // The last point of its line is the rate given out, not the exact one.
      expect(row.series.at(-1)!.value).toBe(row.value);
    }
    // Not a test of equal figures: some exact rate differs from the one given out.
    expect(rate.ranking.rows.some((r, i) => r.value !== exactRate.ranking.rows[i]!.value)).toBe(true);
  });

  it('gives visitors under disclosure control rates of counts worked out from the disclosed counts', async () => {
    const rateMetric = w.catalogue.find((m) => m.id === 'unique_logins_per_1000')!;
    const icbs = { ...req, child: 'icb' } as const;
    const exact = await reader(STAFF, true).breakdown(status, rateMetric, icbs);
    const open = await reader(ANONYMOUS_VIEWER, true).breakdown(status, rateMetric, icbs);
    const plain = await reader(ANONYMOUS_VIEWER, false).breakdown(status, rateMetric, icbs);
    expect(plain.rows).toEqual(exact.rows);
    expect(open.rows.length).toBe(exact.rows.length);
    for (const row of open.rows) {
      const e = exact.rows.find((x) => x.code === row.code)!;
      const count = e.numerator === null || e.numerator === undefined ? null : disclosed(e.numerator);
      expect(row.numerator ?? null, row.code).toBe(count);
      if (count === null) expect(row.value).toBeNull();
      else expect(row.value!).toBeCloseTo((count / e.denominator!) * 1000, 9);
    }
    // The map and the series give the same figures.
    const map = await reader(ANONYMOUS_VIEWER, true).mapValues(status, {
      metric: rateMetric,
      level: 'icb',
      grain: 'month',
      periodStart: req.periodStart,
    });
    for (const row of open.rows) {
      const m = map.rows.find((x) => x.code === row.code);
      if (m) expect(m.value, row.code).toBe(row.value);
    }
    const series = await reader(ANONYMOUS_VIEWER, true).series(status, rateMetric, icbSeries);
    const exactSeries = await reader(STAFF, true).series(status, rateMetric, icbSeries);
    expect(series.length).toBe(exactSeries.length);
    series.forEach((p, i) => {
      const e = exactSeries[i]!;
      const count = disclosed(e.numerator!);
      expect(p.numerator ?? null).toBe(count);
      if (count === null) expect(p.value).toBeNull();
      else expect(p.value!).toBeCloseTo((count / e.denominator!) * 1000, 9);
    });
  });
});

describe('FigureReader.dataTable', () => {
  /** A page of the data table as staff and as a visitor see it, both under disclosure control. */
  async function bothTables(req: Parameters<FigureReader['dataTable']>[1]) {
    const page = { limit: 1000, offset: 0 };
    const exact = await reader(STAFF, true).dataTable(status, req, page);
    const open = await reader(ANONYMOUS_VIEWER, true).dataTable(status, req, page);
    return { exact, open, page };
  }

  it('discloses counts below England for visitors, and only those', async () => {
    const req = {
      level: 'icb',
      area: null,
      metrics: [logins],
      grain: 'month',
      includePartial: false,
    } as const;
    const { exact, open, page } = await bothTables(req);
    expect(open.rows).toHaveLength(exact.rows.length);
    expect(exact.rows.length).toBeGreaterThan(4);
    open.rows.forEach((row, i) => {
      const e = exact.rows[i]!;
      expect(row.areaCode).toBe(e.areaCode);
      expect(row.value).toBe(e.value === null ? null : disclosed(e.value));
      expect(Boolean(row.suppressed)).toBe(e.value !== null && e.value > 0 && e.value < 8);
    });
    await expect(
      reader(ANONYMOUS_VIEWER, true).dataTable(status, { ...req, level: 'practice' }, page),
    ).rejects.toThrow(RestrictedFigureError);
  });

  it('gives visitors rates of counts below England from the disclosed counts (ADR 0061)', async () => {
    const pct = w.catalogue.find((m) => m.id === 'registered_pct_13plus')!;
    const req = {
      level: 'region',
      area: null,
      metrics: [pct],
      grain: 'month',
      includePartial: false,
    } as const;
    const { exact, open } = await bothTables(req);
    expect(exact.rows.filter((r) => r.value !== null).length).toBeGreaterThan(4);
    open.rows.forEach((row, i) => {
      const e = exact.rows[i]!;
      if (e.value === null) return expect(row.value).toBeNull();
      const count = disclosed(e.numerator!);
      expect(row.numerator ?? null).toBe(count);
      expect(Boolean(row.suppressed)).toBe(count === null);
      if (count !== null) expect(row.value!).toBeCloseTo((count / e.denominator!) * 100, 9);
    });
    expect(open.rows.some((r, i) => r.value !== exact.rows[i]!.value)).toBe(true);
  });
});

describe('FigureReader.areaPage', () => {
  const icbPage = { level: 'icb', code: 'QHM', grain: 'month', includePartial: false } as const;

  it('gives visitors a tile’s verdict against England with the open figures it uses, as staff see it', async () => {
    const staff = (await reader(STAFF, false).areaPage(icbPage))!.figures;
    const open = (await reader(ANONYMOUS_VIEWER, false).areaPage(icbPage))!.figures;
    // The % of patients registered: a percentage over list sizes, open data, compared on itself.
    const pct = open.tiles.find((t) => t.metricId === 'registered_pct_13plus')!;
    const pctStaff = staff.tiles.find((t) => t.metricId === 'registered_pct_13plus')!;
    expect(pctStaff.comparison!.figures.map((f) => f.role)).toEqual(['area', 'parent', 'england']);
    expect(pct.comparison).toEqual(pctStaff.comparison);
    // Whatever a visitor is given of a comparison is the staff’s, figure for figure.
    for (const t of open.tiles) {
      if (!t.comparison) continue;
      const s = staff.tiles.find((x) => x.metricId === t.metricId)!.comparison!;
      for (const f of t.comparison.figures) {
        expect(f, `${t.metricId} ${f.role}`).toEqual(s.figures.find((x) => x.role === f.role));
      }
      expect(t.comparison.comparedWithEngland, t.metricId).toBe(s.comparedWithEngland);
    }
  });

  it('gives visitors England’s series of the tiles they see only, as staff see them (ADR 0065)', async () => {
    for (const disclosure of [false, true]) {
      const staff = (await reader(STAFF, disclosure).areaPage(icbPage))!.figures;
      const open = (await reader(ANONYMOUS_VIEWER, disclosure).areaPage(icbPage))!.figures;
      const ids = (tiles: { metricId: string }[]) => tiles.map((t) => t.metricId).sort();
      expect(Object.keys(staff.englandSeries!).sort()).toEqual(ids(staff.tiles));
      expect(Object.keys(open.englandSeries!).sort()).toEqual(ids(open.tiles));
      expect(open.tiles.length).toBeLessThan(staff.tiles.length);
      // England's figures are not under disclosure control: exactly the staff's.
      for (const [id, points] of Object.entries(open.englandSeries!)) {
        expect(points, id).toEqual(staff.englandSeries![id]);
      }
      expect(open.englandSeries!['logins']!.length).toBeGreaterThan(0);
    }
  });

  it('gives visitors under disclosure control comparisons and trends on rates of the disclosed counts', async () => {
    const open = (await reader(ANONYMOUS_VIEWER, true).areaPage(icbPage))!.figures;
    const staff = (await reader(STAFF, true).areaPage(icbPage))!.figures;
    const rateOf = (
      numerator: number | null | undefined,
      f: { denominator?: number | null },
      mult: number,
    ) => {
      const count = numerator === null || numerator === undefined ? null : disclosed(numerator);
      return count === null ? null : (count / f.denominator!) * mult;
    };
    // The rule written out: the area's 95% interval against the benchmark's value.
    const verdict = (lo: number | null, hi: number | null, at: number | null, polarity: string) => {
      if (lo === null || hi === null || at === null) return 'not-compared';
      const side = lo > at ? 'higher' : hi < at ? 'lower' : 'similar';
      if (side === 'similar' || polarity === 'neutral') return side;
      return (side === 'higher') === (polarity === 'higher_is_better') ? 'better' : 'worse';
    };
    let compared = 0;
    for (const t of open.tiles) {
      const s = staff.tiles.find((x) => x.metricId === t.metricId)!;
      if (!s.comparison) continue;
      const c = t.comparison!;
      const mult = c.unit === 'percent' ? 100 : 1000;
      for (const f of c.figures) {
        const e = s.comparison.figures.find((x) => x.role === f.role)!;
        if (f.role === 'england') expect(f).toEqual(e);
        else if (e.value === null) expect(f.value).toBeNull();
        else expect(f.value!, `${t.metricId} ${f.role}`).toBeCloseTo(rateOf(e.numerator, e, mult)!, 9);
      }
      const area = c.figures.find((f) => f.role === 'area')!;
      const england = c.figures.find((f) => f.role === 'england')!;
      expect(c.comparedWithEngland, t.metricId).toBe(
        verdict(area.lowerCi95, area.upperCi95, england.value, t.polarity),
      );
      compared += 1;
      // The trend: the area's and the parent's rates from disclosed counts, England's as it is.
      const trend = open.trends![t.metricId]!;
      const exactTrend = staff.trends![t.metricId]!;
      for (const p of trend.area) {
        const e = exactTrend.area.find((x) => x.periodStart === p.periodStart)!;
        expect(p.value).toBeCloseTo(rateOf(e.numerator, e, mult)!, 9);
      }
      expect(trend.england).toEqual(exactTrend.england);
    }
    expect(compared).toBeGreaterThan(1);
    // The % registered tile is a rate of a count: its figures come from the disclosed count too.
    const pct = open.tiles.find((t) => t.metricId === 'registered_pct_13plus')!;
    const pctStaff = staff.tiles.find((t) => t.metricId === 'registered_pct_13plus')!;
    expect(pct.latest!.numerator).toBe(disclosed(pctStaff.latest!.numerator!));
    expect(pct.latest!.value).toBeCloseTo(rateOf(pctStaff.latest!.numerator, pctStaff.latest!, 100)!, 9);
    // The API's summary gives the same, and is not for a shared cache.
    const summary = (await reader(ANONYMOUS_VIEWER, true).summary(icbPage))!;
    const sumPct = summary.tiles.find((t) => t.metricId === 'registered_pct_13plus')!;
    expect(sumPct.latest!.value).toBe(pct.latest!.value);
    expect(sumPct.comparison).toEqual(pct.comparison);
    expect(summary.shared).toBe(false);
  });

  it('gives visitors under disclosure control the children’s rates from their disclosed counts', async () => {
    const region = {
      level: 'region',
      code: ancestors(w.events[0]!.practice)!.region,
      grain: 'month',
    } as const;
    const staff = (await reader(STAFF, true).areaChildren(region)).figures!;
    const open = (await reader(ANONYMOUS_VIEWER, true).areaChildren(region)).figures!;
    expect(open.rows.length).toBe(staff.rows.length);
    for (const row of open.rows) {
      const e = staff.rows.find((x) => x.code === row.code)!;
      expect(row).not.toHaveProperty('rateParts');
      const users = e.rateParts!.usersPer1000;
      const count = users === null ? null : disclosed(users);
      if (count === null) expect(row.usersPer1000).toBeNull();
      else expect(row.usersPer1000!).toBeCloseTo((count / e.rateParts!.denominator!) * 1000, 9);
    }
  });
});

/**
 * A small in-memory PageQueries with hand-made figures, for HTTP and browser tests (not used in production).
 * The figures are fixed so tests can assert exact numbers on the page.
 */
import { AREA_LEVELS, childLevel, ENGLAND_CODE, type AreaLevel } from '../../src/domain/areas.ts';
import type { Grain } from '../../src/domain/metric-definition.ts';
import { compareWithBenchmark } from '../../src/domain/statistics.ts';
import { compactCode, MAX_SEARCH_RESULTS, nameKey, normaliseSearch } from '../../src/query/search.ts';
import type {
  AreaChildren,
  AreaDetail,
  AreaPage,
  AreaRef,
  AreaSearchResults,
  AreaTile,
  ChildRow,
  ComparisonFigure,
  DataStatus,
  NationalSummary,
  SeriesPoint,
  SummaryTile,
} from '../../src/query/types.ts';
import type { AreaListItem, PageQueries } from '../../src/http/deps.ts';

export interface TestMetric {
  metricId: string;
  name: string;
  shortName: string;
  description: string;
  unit: string;
  polarity: SummaryTile['polarity'];
  /** Values oldest first; the last one is the partial (incomplete) period. */
  month: number[];
  week: number[];
}

/** Complete months May–October 2026, partial November 2026. */
export const TEST_MONTHS = [
  '2026-05-01',
  '2026-06-01',
  '2026-07-01',
  '2026-08-01',
  '2026-09-01',
  '2026-10-01',
  '2026-11-01',
];
/** Complete weeks commencing 28 September – 9 November 2026 (Mondays), partial week of 16 November. */
export const TEST_WEEKS = [
  '2026-09-28',
  '2026-10-05',
  '2026-10-12',
  '2026-10-19',
  '2026-10-26',
  '2026-11-02',
  '2026-11-09',
  '2026-11-16',
];

export const TEST_METRICS: TestMetric[] = [
  {
    metricId: 'logins',
    name: 'Logins to the NHS App',
    shortName: 'Logins',
    description: 'Number of times people logged in to the NHS App.',
    unit: 'events',
    polarity: 'higher_is_better',
    month: [1_850_500, 1_902_250, 1_954_000, 2_020_750, 2_100_000, 2_188_000, 1_204_321],
    week: [480_100, 495_300, 501_220, 498_010, 512_900, 520_400, 531_250, 301_112],
  },
  {
    metricId: 'registrations',
    name: 'New NHS App registrations',
    shortName: 'New registrations',
    description: 'Number of new NHS App accounts created.',
    unit: 'users',
    polarity: 'higher_is_better',
    month: [152_300, 149_800, 147_020, 151_660, 148_210, 139_875, 70_003],
    week: [35_010, 34_220, 33_870, 33_900, 32_100, 31_450, 30_975, 18_001],
  },
  {
    metricId: 'appointments_cancelled',
    name: 'GP appointments cancelled in the NHS App',
    shortName: 'Appointments cancelled',
    description: 'Number of GP appointments cancelled through the NHS App.',
    unit: 'events',
    polarity: 'lower_is_better',
    month: [61_200, 60_950, 63_400, 62_010, 64_880, 66_120, 30_400],
    week: [15_020, 15_200, 15_210, 15_000, 15_380, 15_400, 15_400, 8_020],
  },
  {
    metricId: 'pct_registered',
    name: 'Percentage of GP patients aged 13 and over registered for the NHS App',
    shortName: 'Patients aged 13+ registered',
    description: 'NHS App registrations as a percentage of GP registered patients aged 13 and over.',
    unit: 'percent',
    polarity: 'higher_is_better',
    month: [74.1, 74.5, 74.9, 75.2, 75.6, 76.0, 76.2],
    week: [75.6, 75.7, 75.8, 75.8, 75.9, 76.0, 76.1, 76.2],
  },
];

export const TEST_STATUS: DataStatus = {
  refreshedAt: '2026-11-18T07:45:00.000Z',
  firstDay: '2026-05-01',
  lastDay: '2026-11-17',
  demo: { scale: 0.01, seed: 42, generatedAt: '2026-11-18T07:30:00.000Z' },
};

/** England → regions → ICBs → sub-ICB locations → PCNs → practices (a hand-picked slice). */
export const TEST_AREAS: AreaListItem[] = [
  area('Y56', 'E40000003', 'London', 'region', ENGLAND_CODE, 'england'),
  area('Y61', 'E40000007', 'East of England', 'region', ENGLAND_CODE, 'england'),
  area('QMJ', 'E54000028', 'NHS North Central London Integrated Care Board', 'icb', 'Y56', 'region'),
  area('QRV', 'E54000027', 'NHS North West London Integrated Care Board', 'icb', 'Y56', 'region'),
  area(
    'QUE',
    'E54000056',
    'NHS Cambridgeshire and Peterborough Integrated Care Board',
    'icb',
    'Y61',
    'region',
  ),
  // Its place name as in data/reference/sub-icb-place-names.csv (docs/adr/0028).
  {
    ...area('93C', 'E38000240', 'NHS North Central London ICB - 93C', 'sub_icb', 'QMJ', 'icb'),
    placeName: 'North Central London',
  },
  area('W2U3Z', 'E38000256', 'NHS North West London ICB - W2U3Z', 'sub_icb', 'QRV', 'icb'),
  area('06H', 'E38000026', 'NHS Cambridgeshire and Peterborough ICB - 06H', 'sub_icb', 'QUE', 'icb'),
  area('U12345', null, 'Camden Central PCN', 'pcn', '93C', 'sub_icb'),
  area('U23456', null, 'Ealing North PCN', 'pcn', 'W2U3Z', 'sub_icb'),
  area('F83004', null, 'Somers Town Medical Centre', 'practice', 'U12345', 'pcn'),
  area('F83012', null, 'Camden Health Centre (closed)', 'practice', 'U12345', 'pcn', false),
  area('E85001', null, 'Northolt Family Practice', 'practice', 'U23456', 'pcn'),
];

/** Practice postcodes and GP system suppliers. */
export const TEST_PRACTICE_DETAILS: Record<string, { postcode: string; supplierName: string }> = {
  F83004: { postcode: 'NW1 1LT', supplierName: 'EMIS' },
  F83012: { postcode: 'NW1 0PE', supplierName: 'TPP' },
  E85001: { postcode: 'UB5 4LY', supplierName: 'EMIS' },
};

/**
 * Each area's figures are England's times its share (the product of the weights down its chain), rounded;
 * rates are England's times the area's rate factor. Closed areas have figures up to July 2026 only.
 */
export const TEST_WEIGHTS: Record<string, number> = {
  Y56: 0.16,
  Y61: 0.12,
  QMJ: 0.3,
  QRV: 0.45,
  QUE: 0.7,
  U12345: 0.05,
  U23456: 0.04,
  F83004: 0.6,
  F83012: 0.4,
  E85001: 0.3,
};
export const TEST_RATE_FACTORS: Record<string, number> = {
  Y56: 1.05,
  Y61: 0.95,
  QMJ: 1.1,
  QRV: 0.9,
  F83004: 1.2,
  E85001: 0.8,
};
/** England's patients aged 13+, for rates per 1,000. */
export const TEST_ENGLAND_PATIENTS_13PLUS = 48_000_000;
/** Last month with activity of closed areas. */
export const TEST_CLOSED_LAST_MONTH = '2026-07-01';

function area(
  code: string,
  onsCode: string | null,
  name: string,
  level: AreaLevel,
  parentCode: string,
  parentLevel: AreaLevel,
  isCurrent = true,
): AreaListItem {
  return { code, onsCode, name, placeName: null, level, parentCode, parentLevel, isCurrent };
}

export interface TestQueriesOptions {
  metrics?: TestMetric[];
  status?: DataStatus;
  areas?: AreaListItem[];
  /** Makes nationalSummary throw, to test the 500 page. */
  failWith?: Error;
}

function series(values: number[], starts: string[], includePartial: boolean): SeriesPoint[] {
  const points = values.map((value, i) => ({
    periodStart: starts[i]!,
    value,
    complete: i < values.length - 1,
  }));
  return includePartial ? points : points.filter((p) => p.complete);
}

export function createTestQueries(options: TestQueriesOptions = {}): PageQueries {
  const metrics = options.metrics ?? TEST_METRICS;
  const status = options.status ?? TEST_STATUS;
  const areas = options.areas ?? TEST_AREAS;
  const byCode = new Map(areas.map((a) => [a.code, a]));

  return {
    async nationalSummary({ grain, includePartial }: { grain: Grain; includePartial: boolean }) {
      if (options.failWith) throw options.failWith;
      const starts = grain === 'week' ? TEST_WEEKS : TEST_MONTHS;
      const result: NationalSummary = {
        grain,
        includePartial,
        status,
        areaLevel: 'england',
        areaCode: ENGLAND_CODE,
        areaName: 'England',
        tiles: [],
        series: {},
      };
      for (const m of metrics) {
        const values = grain === 'week' ? m.week : m.month;
        const points = series(values, starts, includePartial);
        const complete = points.filter((p) => p.complete);
        const latest = complete[complete.length - 1] ?? null;
        const previous = complete[complete.length - 2] ?? null;
        result.series[m.metricId] = points;
        result.tiles.push({
          metricId: m.metricId,
          name: m.name,
          shortName: m.shortName,
          description: m.description,
          unit: m.unit,
          polarity: m.polarity,
          latest,
          previous,
          changePct:
            latest && previous && previous.value !== 0
              ? ((latest.value - previous.value) / previous.value) * 100
              : null,
          ...yearEarlierOf(points, latest, grain),
        });
      }
      return result;
    },

    async listAreas({ level, parent }: { level: AreaLevel; parent?: string }) {
      if (parent !== undefined && parent !== ENGLAND_CODE && !byCode.has(parent)) return null;
      const descendsFrom = (a: AreaListItem): boolean => {
        if (parent === undefined || parent === ENGLAND_CODE) return true;
        let cur: AreaListItem | undefined = a;
        while (cur?.parentCode) {
          if (cur.parentCode === parent) return true;
          cur = byCode.get(cur.parentCode);
        }
        return false;
      };
      return areas.filter((a) => a.level === level && descendsFrom(a));
    },

    async dataStatus() {
      return status;
    },

    async areaPage({ level, code, grain, includePartial }) {
      const chain = chainOf(level, code);
      if (!chain) return null;
      const { detail, ancestors } = chain;
      const starts = grain === 'week' ? TEST_WEEKS : TEST_MONTHS;
      const lastActive = detail.isCurrent ? null : closedLastPeriod(grain);
      const parent = ancestors[ancestors.length - 1] ?? null;
      const compared: { area: AreaRef; role: ComparisonFigure['role'] }[] = [{ area: detail, role: 'area' }];
      if (parent && parent.level !== 'england') compared.push({ area: parent, role: 'parent' });
      if (level !== 'england') compared.push({ area: ENGLAND, role: 'england' });
      const page: AreaPage = {
        grain,
        includePartial,
        status,
        area: detail,
        ancestors,
        structure: detail.isCurrent || level === 'practice' ? 'current' : 'as_recorded',
        lastActivePeriod: lastActive,
        latestCompletePeriod: starts[starts.length - 2]!,
        tiles: [],
        series: {},
        children: null,
      };
      for (const m of metrics) {
        const isRate = m.unit === 'percent' || m.unit === 'per_1000';
        const values = (grain === 'week' ? m.week : m.month).map((v) => valueFor(m, v, detail));
        let points = series(values, starts, includePartial);
        if (!detail.isCurrent)
          points = points.filter((p) => lastActive !== null && p.periodStart <= lastActive);
        const complete = includePartial ? points : points.filter((p) => p.complete);
        const latest = complete[complete.length - 1] ?? null;
        const previous = complete[complete.length - 2] ?? null;
        page.series[m.metricId] = points;
        // England's own figures, to set a change around a date against the rest of England's (ADR 0065).
        if (level !== 'england') {
          page.englandSeries ??= {};
          page.englandSeries[m.metricId] = series(
            grain === 'week' ? m.week : m.month,
            starts,
            includePartial,
          );
        }
        let comparison: AreaTile['comparison'] = null;
        if (latest) {
          const i = starts.indexOf(latest.periodStart);
          const englandValue = (grain === 'week' ? m.week : m.month)[i]!;
          comparison = {
            metricId: isRate ? m.metricId : `${m.metricId}_per_1000`,
            name: isRate ? m.name : `${m.name} per 1,000 patients aged 13+`,
            unit: isRate ? m.unit : 'per_1000',
            derived: !isRate,
            periodStart: latest.periodStart,
            figures: compared.map((c) => ({
              area: c.area,
              role: c.role,
              value:
                !c.area.isCurrent && c.area.level !== 'practice'
                  ? null
                  : isRate
                    ? englandValue * rateFactor(c.area.code)
                    : (englandValue / TEST_ENGLAND_PATIENTS_13PLUS) * 1000 * rateFactor(c.area.code),
              coverage: !c.area.isCurrent && c.area.level !== 'practice' ? null : 0.99,
              lowerCi95: null as number | null,
              upperCi95: null as number | null,
              lowerCi998: null as number | null,
              upperCi998: null as number | null,
            })),
            comparedWithEngland: 'not-compared',
            comparedWithParent: 'not-compared',
          };
          // Hand-made intervals: ±2% of the value at 95%, ±3% at 99.8%; verdicts by the Fingertips rule.
          for (const f of comparison.figures) {
            if (f.value === null) continue;
            f.lowerCi95 = f.value * 0.98;
            f.upperCi95 = f.value * 1.02;
            f.lowerCi998 = f.value * 0.97;
            f.upperCi998 = f.value * 1.03;
          }
          const own = comparison.figures.find((f) => f.role === 'area');
          const own95 =
            own && own.lowerCi95 !== null ? { lower: own.lowerCi95, upper: own.upperCi95! } : null;
          const of = (role: string) => comparison!.figures.find((f) => f.role === role)?.value ?? null;
          comparison.comparedWithEngland = compareWithBenchmark(own95, of('england'), m.polarity);
          comparison.comparedWithParent = compareWithBenchmark(own95, of('parent'), m.polarity);
        }
        page.tiles.push({
          metricId: m.metricId,
          name: m.name,
          shortName: m.shortName,
          description: m.description,
          unit: m.unit,
          polarity: m.polarity,
          latest,
          previous,
          changePct:
            latest && previous && previous.value !== 0
              ? ((latest.value - previous.value) / previous.value) * 100
              : null,
          ...yearEarlierOf(points, latest, grain),
          comparison,
        });
      }
      page.children = childrenOf(detail, grain, lastActive);
      return page;
    },

    async areaChildren({ level, code, grain }) {
      const chain = chainOf(level, code);
      if (!chain) return null;
      return childrenOf(chain.detail, grain, null);
    },

    async searchAreas({ query }) {
      const q = normaliseSearch(query);
      const result: AreaSearchResults = { query: q, total: 0, results: [] };
      if (q === '' || q.length > 100) return result;
      const lower = nameKey(q);
      const compact = compactCode(q);
      const ranked = [ENGLAND_ITEM, ...areas]
        .map((a) => {
          const postcode = compactCode(TEST_PRACTICE_DETAILS[a.code]?.postcode ?? '');
          const exact = a.code.toUpperCase() === compact || a.onsCode?.toUpperCase() === compact;
          const matches =
            (lower !== '' && nameKey(a.name).includes(lower)) ||
            (lower !== '' && a.placeName && nameKey(a.placeName).includes(lower)) ||
            a.code.toUpperCase().startsWith(compact) ||
            exact ||
            (postcode !== '' && postcode.startsWith(compact));
          return { a, exact, matches };
        })
        .filter((r) => r.matches)
        .sort(
          (x, y) =>
            Number(y.exact) - Number(x.exact) ||
            Number(y.a.isCurrent) - Number(x.a.isCurrent) ||
            AREA_LEVELS.indexOf(x.a.level) - AREA_LEVELS.indexOf(y.a.level) ||
            x.a.name.localeCompare(y.a.name),
        );
      result.total = ranked.length;
      result.results = ranked.slice(0, MAX_SEARCH_RESULTS).map(({ a, exact }) => {
        const parent = a.parentCode
          ? a.parentCode === ENGLAND_CODE
            ? ENGLAND_ITEM
            : byCode.get(a.parentCode)
          : null;
        return {
          level: a.level,
          code: a.code,
          name: a.name,
          placeName: a.placeName,
          isCurrent: a.isCurrent,
          onsCode: a.onsCode,
          postcode: TEST_PRACTICE_DETAILS[a.code]?.postcode ?? null,
          parent: parent
            ? { level: parent.level, code: parent.code, name: parent.name, placeName: parent.placeName }
            : null,
          exactCode: exact,
        };
      });
      return result;
    },
  };

  function chainOf(level: AreaLevel, code: string): { detail: AreaDetail; ancestors: AreaRef[] } | null {
    const found = level === 'england' && code === ENGLAND_CODE ? ENGLAND_ITEM : byCode.get(code);
    if (!found || found.level !== level) return null;
    const ancestors: AreaRef[] = [];
    let cur = found.parentCode ? lookup(found.parentCode) : undefined;
    while (cur) {
      ancestors.unshift(refOf(cur));
      cur = cur.parentCode ? lookup(cur.parentCode) : undefined;
    }
    const details = TEST_PRACTICE_DETAILS[found.code];
    return {
      detail: {
        ...refOf(found),
        onsCode: found.onsCode,
        parentLevel: found.parentLevel,
        parentCode: found.parentCode,
        postcode: details?.postcode ?? null,
        supplierName: details?.supplierName ?? null,
        firstExtract: '2026-01-01',
        lastExtract: found.isCurrent ? '2026-08-01' : '2026-01-01',
      },
      ancestors,
    };
  }

  function lookup(code: string): AreaListItem | undefined {
    return code === ENGLAND_CODE ? ENGLAND_ITEM : byCode.get(code);
  }

  function share(code: string): number {
    let s = 1;
    let cur = lookup(code);
    while (cur && cur.code !== ENGLAND_CODE) {
      s *= TEST_WEIGHTS[cur.code] ?? 1;
      cur = cur.parentCode ? lookup(cur.parentCode) : undefined;
    }
    return s;
  }

  function valueFor(m: TestMetric, englandValue: number, a: AreaRef): number {
    if (m.unit === 'percent' || m.unit === 'per_1000') return englandValue * rateFactor(a.code);
    return Math.round(englandValue * share(a.code));
  }

  function closedLastPeriod(grain: Grain): string | null {
    return grain === 'month' ? TEST_CLOSED_LAST_MONTH : null;
  }

  function childrenOf(parent: AreaRef, grain: Grain, lastActive: string | null): AreaChildren | null {
    const level = childLevel(parent.level);
    if (!level) return null;
    const starts = grain === 'week' ? TEST_WEEKS : TEST_MONTHS;
    const latest = starts[starts.length - 2]!;
    const periodStart = lastActive !== null && lastActive < latest ? lastActive : latest;
    const i = starts.indexOf(periodStart);
    const logins = metrics.find((m) => m.metricId === 'logins');
    const pct = metrics.find((m) => m.unit === 'percent');
    const rows = areas
      .filter((a) => a.level === level && a.parentCode === parent.code)
      .map((a): ChildRow => {
        const open = a.isCurrent || (lastActive !== null && periodStart <= lastActive);
        const count =
          open && logins
            ? Math.round((grain === 'week' ? logins.week : logins.month)[i]! * share(a.code))
            : 0;
        const users = Math.round(count / 5);
        return {
          level,
          code: a.code,
          name: a.name,
          placeName: a.placeName,
          onsCode: a.onsCode,
          postcode: TEST_PRACTICE_DETAILS[a.code]?.postcode ?? null,
          isCurrent: a.isCurrent,
          logins: count,
          users,
          usersPer1000: a.isCurrent ? 250 * rateFactor(a.code) : null,
          usersPer1000Coverage: a.isCurrent ? 1 : null,
          registeredPct:
            a.isCurrent && pct ? (grain === 'week' ? pct.week : pct.month)[i]! * rateFactor(a.code) : null,
          registeredPctCoverage: a.isCurrent ? 1 : null,
        };
      })
      .sort((x, y) => x.name.localeCompare(y.name));
    return {
      parent,
      level,
      grain,
      periodStart,
      columns: {
        logins: 'Logins',
        users: 'Users logging in',
        usersPer1000: 'Users per 1,000',
        registeredPct: '% of patients 13+ registered',
      },
      rows,
    };
  }
}

const ENGLAND: AreaRef = { level: 'england', code: ENGLAND_CODE, name: 'England', isCurrent: true };
const ENGLAND_ITEM: AreaListItem = {
  code: ENGLAND_CODE,
  onsCode: ENGLAND_CODE,
  name: 'England',
  placeName: null,
  level: 'england',
  parentCode: null,
  parentLevel: null,
  isCurrent: true,
};

function refOf(a: AreaListItem): AreaRef {
  return { level: a.level, code: a.code, name: a.name, isCurrent: a.isCurrent, placeName: a.placeName };
}

function rateFactor(code: string): number {
  return TEST_RATE_FACTORS[code] ?? 1;
}

/** The fixture's point a year before `latest` (month: the year before; week: 364 days before) and the change on it. */
function yearEarlierOf(
  points: SeriesPoint[],
  latest: SeriesPoint | null,
  grain: Grain,
): { yearEarlier: SeriesPoint | null; changeOnYearPct: number | null } {
  if (!latest) return { yearEarlier: null, changeOnYearPct: null };
  const start =
    grain === 'month'
      ? `${Number(latest.periodStart.slice(0, 4)) - 1}${latest.periodStart.slice(4)}`
      : new Date(Date.parse(`${latest.periodStart}T00:00:00Z`) - 364 * 86_400_000).toISOString().slice(0, 10);
  const yearEarlier = points.find((p) => p.periodStart === start && p.complete) ?? null;
  return {
    yearEarlier,
    changeOnYearPct:
      yearEarlier && yearEarlier.value !== 0 && latest.complete
        ? ((latest.value - yearEarlier.value) / yearEarlier.value) * 100
        : null,
  };
}

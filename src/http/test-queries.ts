/**
 * A small in-memory PageQueries with hand-made figures, for HTTP and browser tests (not used in production).
 * The figures are fixed so tests can assert exact numbers on the page.
 */
import { ENGLAND_CODE, type AreaLevel } from '../domain/areas.ts';
import type { Grain } from '../domain/metric-definition.ts';
import type { DataStatus, NationalSummary, SeriesPoint, SummaryTile } from '../query/types.ts';
import type { AreaListItem, PageQueries } from './deps.ts';

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
  area('93C', 'E38000240', 'NHS North Central London ICB - 93C', 'sub_icb', 'QMJ', 'icb'),
  area('W2U3Z', 'E38000256', 'NHS North West London ICB - W2U3Z', 'sub_icb', 'QRV', 'icb'),
  area('06H', 'E38000026', 'NHS Cambridgeshire and Peterborough ICB - 06H', 'sub_icb', 'QUE', 'icb'),
  area('U12345', null, 'Camden Central PCN', 'pcn', '93C', 'sub_icb'),
  area('U23456', null, 'Ealing North PCN', 'pcn', 'W2U3Z', 'sub_icb'),
  area('F83004', null, 'Somers Town Medical Centre', 'practice', 'U12345', 'pcn'),
  area('F83012', null, 'Camden Health Centre (closed)', 'practice', 'U12345', 'pcn', false),
  area('E85001', null, 'Northolt Family Practice', 'practice', 'U23456', 'pcn'),
];

function area(
  code: string,
  onsCode: string | null,
  name: string,
  level: AreaLevel,
  parentCode: string,
  parentLevel: AreaLevel,
  isCurrent = true,
): AreaListItem {
  return { code, onsCode, name, level, parentCode, parentLevel, isCurrent };
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
  };
}

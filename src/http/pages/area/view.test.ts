import { describe, expect, it } from 'vitest';
import { createTestQueries } from '../../../../test/support/in-memory-queries.ts';
import type { ChildRow } from '../../../query/types.ts';
import type { AreaLevel } from '../../../domain/areas.ts';
import {
  areaPath,
  childrenTableView,
  pageUrl,
  parseSort,
  sortChildren,
  type ChildrenSort,
} from '../../../web/views/area-children.ts';
import { buildAreaPageView, peerText, rankText, rateBasisText } from './view.ts';

const queries = createTestQueries();

function row(code: string, name: string, logins: number, rate: number | null, isCurrent = true): ChildRow {
  return {
    level: 'practice',
    code,
    name,
    placeName: null,
    onsCode: null,
    postcode: null,
    isCurrent,
    logins,
    users: logins / 2,
    usersPer1000: rate,
    usersPer1000Coverage: rate === null ? null : 1,
    registeredPct: rate === null ? null : rate / 10,
    registeredPctCoverage: rate === null ? null : 1,
  };
}

describe('sorting the children table', () => {
  const rows = [
    row('B2', 'beta', 10, 300),
    row('A10', 'Alpha', 30, null),
    row('A9', 'alpha', 20, 100),
    row('C1', 'Gamma', 10, 200, false),
  ];
  const codes = (sort: ChildrenSort) => sortChildren(rows, sort).map((r) => r.code);

  it('sorts names and codes naturally, ignoring case', () => {
    expect(codes({ key: 'name', dir: 'asc' })).toEqual(['A9', 'A10', 'B2', 'C1']);
    expect(codes({ key: 'name', dir: 'desc' })).toEqual(['C1', 'B2', 'A10', 'A9']);
    expect(codes({ key: 'code', dir: 'asc' })).toEqual(['A9', 'A10', 'B2', 'C1']);
  });

  it('sorts figures with ties broken by name, and rows without a figure always last', () => {
    expect(codes({ key: 'logins', dir: 'desc' })).toEqual(['A10', 'A9', 'B2', 'C1']);
    expect(codes({ key: 'logins', dir: 'asc' })).toEqual(['B2', 'C1', 'A9', 'A10']);
    expect(codes({ key: 'rate', dir: 'desc' })).toEqual(['B2', 'C1', 'A9', 'A10']);
    expect(codes({ key: 'rate', dir: 'asc' })).toEqual(['A9', 'C1', 'B2', 'A10']);
    expect(codes({ key: 'registered', dir: 'asc' })).toEqual(['A9', 'C1', 'B2', 'A10']);
  });

  it('reads the sort from a URL, with `value` for the main count and each column’s first direction', () => {
    expect(parseSort(undefined, undefined)).toBeNull();
    expect(parseSort('value', undefined)).toEqual({ key: 'logins', dir: 'desc' });
    expect(parseSort('name', undefined)).toEqual({ key: 'name', dir: 'asc' });
    expect(parseSort(undefined, 'desc')).toEqual({ key: 'name', dir: 'desc' });
    expect(parseSort('rate', 'asc')).toEqual({ key: 'rate', dir: 'asc' });
  });

  it('links each heading to its sort, toggling the current one, and keeps the page’s settings', () => {
    const children = {
      parent: { level: 'pcn' as const, code: 'U1', name: 'A PCN', isCurrent: true },
      level: 'practice' as const,
      grain: 'week' as const,
      periodStart: '2026-11-09',
      columns: { logins: 'Logins', users: 'Users logging in', usersPer1000: 'x', registeredPct: 'y' },
      rows,
    };
    const view = childrenTableView(children, {
      path: '/areas/pcn/U1',
      grain: 'week',
      includePartial: true,
      sort: { key: 'logins', dir: 'desc' },
    });
    expect(view.caption).toBe('GP practices in A PCN: figures for Week commencing 9 November 2026');
    const byKey = Object.fromEntries(view.columns.map((c) => [c.key, c]));
    expect(byKey.logins).toMatchObject({
      ariaSort: 'descending',
      href: '/areas/pcn/U1?grain=week&partial=1&sort=logins&dir=asc#children',
    });
    expect(byKey.name).toMatchObject({
      ariaSort: null,
      href: '/areas/pcn/U1?grain=week&partial=1&sort=name&dir=asc#children',
    });
    expect(byKey.rate!.href).toContain('sort=rate&dir=desc');
    expect(view.rows.map((r) => r.code)).toEqual(['A10', 'A9', 'B2', 'C1']);
    expect(view.rows[0]).toMatchObject({
      href: '/areas/practice/A10?grain=week&partial=1',
      values: ['30', '15', '–', '–'],
      closed: false,
    });
    expect(view.rows[3]!.closed).toBe(true);
    expect(view.hasClosed).toBe(true);
    expect(view.hasMissingRates).toBe(true);
  });

  it('builds page URLs with only the settings that differ from the defaults', () => {
    expect(pageUrl({ path: '/areas/icb/QE1', grain: 'month', includePartial: false, sort: null })).toBe(
      '/areas/icb/QE1',
    );
    expect(areaPath('england', 'E92000001')).toBe('/');
    expect(areaPath('sub_icb', '00L')).toBe('/areas/sub_icb/00L');
  });
});

/** An area's page by month, complete periods only, from the in-memory queries. */
async function monthPage(level: AreaLevel, code: string) {
  return (await queries.areaPage({ level, code, grain: 'month', includePartial: false }))!;
}

describe('buildAreaPageView', () => {
  it('gives breadcrumbs, details and comparisons for an ICB', async () => {
    const page = await monthPage('icb', 'QMJ');
    const view = buildAreaPageView(page, { key: 'rate', dir: 'asc' });
    expect(view.breadcrumbs).toEqual([
      { text: 'England', href: '/' },
      { text: 'London', href: '/areas/region/Y56' },
    ]);
    expect(view.levelLabel).toBe('Integrated care board (ICB)');
    expect(view.details).toEqual([
      { key: 'Type of area', value: 'Integrated care board (ICB)' },
      { key: 'ODS code', value: 'QMJ' },
      { key: 'ONS code', value: 'E54000028' },
      { key: 'Part of', value: 'London', href: '/areas/region/Y56' },
    ]);
    expect(view.closed).toBeNull();
    expect(view.completeUpToText).toBe('31 October 2026');
    const logins = view.tiles.find((t) => t.id === 'logins')!;
    expect(logins.valueText).toBe('105,024');
    expect(logins.comparison).toEqual({
      caption: 'Logins to the NHS App per 1,000 patients aged 13+, October 2026',
      valueHeading: 'Per 1,000',
      // 99% coverage: the column is shown (a page where every figure is complete leaves it out).
      showCoverage: true,
      rows: [
        {
          label: 'NHS North Central London Integrated Care Board',
          href: null,
          current: true,
          valueText: '50.1',
          ciText: '49.1 to 51.1',
          coverageText: '99%',
        },
        {
          label: 'London',
          href: '/areas/region/Y56',
          current: false,
          valueText: '47.9',
          ciText: '46.9 to 48.8',
          coverageText: '99%',
        },
        {
          label: 'England',
          href: '/',
          current: false,
          valueText: '45.6',
          ciText: '44.7 to 46.5',
          coverageText: '99%',
        },
      ],
    });
    // The verdict: the ICB's interval (49.1 to 51.1, hand-made ±2% in test support) lies wholly above
    // England's 45.6, and logins are higher-is-better.
    expect(logins.verdict).toEqual({
      verdict: 'better',
      label: 'Better than England',
      tagClass: 'nhsuk-tag--green',
      detail:
        '50.1 per 1,000 (95% confidence interval 49.1 to 51.1) against England’s 45.6 per 1,000, October 2026.',
    });
    expect(view.compare!.options.map((o) => [o.value, o.checked])).toEqual([
      ['england', true],
      ['parent', false],
    ]);
    const byParent = buildAreaPageView(page, null, 'parent');
    const vsParent = byParent.tiles.find((t) => t.id === 'logins')!.verdict!;
    expect(vsParent.label).toBe('Better than London');
    expect(vsParent.detail).toContain('against London’s 47.9 per 1,000');
    // The benchmark is one of the view form's own radios, and links carry it to the next page.
    expect(byParent.hiddenFields).toEqual([]);
    expect(byParent.compare!.options.find((o) => o.checked)!.value).toBe('parent');
    expect(byParent.breadcrumbs[1]!.href).toBe('/areas/region/Y56?compare=parent');
    // No Better/Worse on the change: it is neutral.
    expect(logins.change && 'judgement' in logins.change).toBe(false);
    // The count's tile says which rate its verdict and rank are on; a rate's own tile needs no such line.
    expect(logins.basisText).toBe('50.1 per 1,000 patients 13+');
    expect(view.tiles.find((t) => t.id === 'pct_registered')!.basisText).toBeNull();
    expect(view.tiles.find((t) => t.id === 'pct_registered')!.comparison!.valueHeading).toBe('Percentage');
    expect(view.comparisonNote).toContain('with London and England');
    expect(view.children!.rows.map((r) => r.code)).toEqual(['93C']);
    expect(view.hiddenFields).toEqual([
      { name: 'sort', value: 'rate' },
      { name: 'dir', value: 'asc' },
    ]);
  });

  it('explains a closed practice and gives its postcode and supplier', async () => {
    const page = await monthPage('practice', 'F83012');
    const view = buildAreaPageView(page);
    expect(view.details).toContainEqual({ key: 'Postcode', value: 'NW1 0PE' });
    expect(view.details).toContainEqual({ key: 'GP system supplier', value: 'TPP' });
    expect(view.closed!.heading).toBe('Closed GP practice');
    expect(view.closed!.paragraphs.join(' ')).toContain('last in the release of 1 January 2026');
    expect(view.closed!.paragraphs.join(' ')).toContain('Figures are shown up to July 2026');
    expect(view.children).toBeNull();
    expect(view.breadcrumbs.map((b) => b.text)).toEqual([
      'England',
      'London',
      'NHS North Central London Integrated Care Board',
      // A sub-ICB location by its place name and NHS name (docs/adr/0028).
      'North Central London — NHS North Central London ICB - 93C',
      'Camden Central PCN',
    ]);
  });
});

describe('rateBasisText', () => {
  const tile = (metricId: string, unit: string, value: number | null) =>
    ({
      metricId: 'registrations',
      comparison: {
        metricId,
        name: 'x',
        unit,
        derived: false,
        periodStart: '2026-10-01',
        figures: [
          {
            area: { level: 'icb', code: 'QMJ', name: 'x', isCurrent: true },
            role: 'area',
            value,
            coverage: 1,
            lowerCi95: null,
            upperCi95: null,
            lowerCi998: null,
            upperCi998: null,
          },
        ],
        comparedWithEngland: 'similar',
        comparedWithParent: 'similar',
      },
    }) as unknown as Parameters<typeof rateBasisText>[0];

  it('names the rate a count is compared on, rounded as everywhere else', () => {
    expect(rateBasisText(tile('registrations_per_1000', 'per_1000', 1.25))).toBe(
      '1.3 per 1,000 patients 13+',
    );
    expect(rateBasisText(tile('registered_share', 'percent', 64.04))).toBe('64.0% of patients 13+');
  });

  it('says nothing when the tile is compared on its own figure, or the rate has no value', () => {
    expect(rateBasisText(tile('registrations', 'users', 12))).toBeNull();
    expect(rateBasisText(tile('registrations_per_1000', 'per_1000', null))).toBeNull();
  });
});

describe('peerText', () => {
  it('states the percentile rank in a tile', () => {
    const base = {
      metricId: 'logins_per_1000',
      metricName: 'NHS App logins per 1,000 patients aged 13+',
      unit: 'per_1000',
      periodStart: '2026-10-01',
    };
    expect(
      peerText({ ...base, count: 36, value: 5, rank: 10, percentileRank: (25 / 35) * 100 }, 'icb', 'month'),
    ).toBe(
      'Higher than 71% of the other 35 ICBs on NHS App logins per 1,000 patients aged 13+ in October 2026 (ranked 10 of 36).',
    );
    expect(peerText({ ...base, count: 36, value: 9, rank: 1, percentileRank: 100 }, 'icb', 'month')).toMatch(
      /^Highest of the 36 ICBs/,
    );
    expect(
      peerText({ ...base, count: 1, value: 9, rank: 1, percentileRank: null }, 'icb', 'month'),
    ).toBeNull();
    // Tied: a joint rank, and a bottom shared by many is not "the lowest".
    expect(
      peerText(
        { ...base, count: 36, value: 5, rank: 10, percentileRank: (24 / 35) * 100, equal: 2 },
        'icb',
        'month',
      ),
    ).toMatch(/\(ranked joint 10 of 36\)\.$/);
    const bottom = { ...base, count: 6129, value: 0, rank: 499, percentileRank: 0, equal: 5631 };
    expect(peerText(bottom, 'practice', 'week')).toMatch(
      /^Joint lowest, with 5,630 others, of the 6,129 GP practices .*\(ranked joint 499 of 6,129\)\.$/,
    );
    expect(rankText(bottom, 'practice')).toBe('Joint rank 499 of 6,129 GP practices');
    expect(rankText({ ...bottom, equal: 1, rank: 6129 }, 'practice')).toBe(
      'Rank 6,129 of 6,129 GP practices',
    );
    expect(
      peerText({ ...base, count: 36, value: null, rank: null, percentileRank: null }, 'icb', 'month'),
    ).toBeNull();
  });
});

describe('the before-and-after table', () => {
  it('compares only counts per period: never a running total, a rolling window or a rate', async () => {
    const page = await monthPage('icb', 'QMJ');
    const counts = page.tiles.filter((t) => t.unit === 'events' || t.unit === 'users');
    expect(counts.length).toBeGreaterThan(1);
    const all = buildAreaPageView(page, null, 'england', { since: '2026-08-10' }).beforeAfter!;
    expect(all.rows.map((r) => r.name)).toEqual(counts.map((t) => t.shortName));
    // Told that only the first count is per period (the others running totals, say), it compares that one.
    const one = buildAreaPageView(page, null, 'england', {
      since: '2026-08-10',
      periodCounts: new Set([counts[0]!.metricId]),
    }).beforeAfter!;
    expect(one.rows.map((r) => r.name)).toEqual([counts[0]!.shortName]);
    expect(buildAreaPageView(page).beforeAfter).toBeNull();
  });
});

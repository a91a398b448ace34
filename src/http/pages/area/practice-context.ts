/**
 * The practice page's context block (issue 11 item 8): list sizes, GP system supplier, PCN, and the
 * practice's rank among its ICB's practices on the headline rates, each linking to that ranking.
 */
import type { PracticeContext } from '../../../query/types.ts';
import { formatPeriod, formatValue } from '../../../web/format.ts';
import { areaPath } from '../../../web/views/area-children.ts';
import { rankingUrl } from '../ranking/state.ts';

export interface PracticeContextView {
  heading: string;
  rows: { key: string; value: string; href?: string }[];
  ranksHeading: string | null;
  ranks: { metric: string; text: string; href: string; linkText: string }[];
}

function patients(n: number | null): string {
  return n === null ? 'No data' : formatValue(Math.round(n), 'patients');
}

export function practiceContextView(
  ctx: PracticeContext | null | undefined,
  options: { detailsShown: boolean } = { detailsShown: false },
): PracticeContextView | null {
  if (!ctx) return null;
  const period = ctx.periodStart ? formatPeriod(ctx.grain, ctx.periodStart) : null;
  const rows: PracticeContextView['rows'] = [
    { key: `Patients aged 13+${period ? `, ${period}` : ''}`, value: patients(ctx.patients13plus) },
    { key: `Patients of all ages${period ? `, ${period}` : ''}`, value: patients(ctx.patientsAll) },
  ];
  // The area page's own details list already names the supplier and the PCN: added here only for a page
  // that does not show them.
  if (!options.detailsShown) {
    rows.push({ key: 'GP system supplier', value: ctx.supplierName ?? 'Not known' });
    if (ctx.pcn)
      rows.push({
        key: 'Primary care network (PCN)',
        value: ctx.pcn.name,
        href: areaPath('pcn', ctx.pcn.code),
      });
  }
  const icb = ctx.icb;
  const ranks = icb
    ? ctx.ranks.map((r) => {
        let text: string;
        if (r.excluded === 'closed') text = 'Not ranked: the practice was closed in this period';
        else if (r.excluded === 'not-yet-open')
          text = 'Not ranked: the practice was not yet open in this period';
        else if (r.excluded === 'small-list')
          text = `Not ranked: fewer than ${r.minListSize.toLocaleString('en-GB')} patients`;
        else if (r.rank === null || r.value === null) text = 'Not ranked: no figure for this period';
        else
          text = `${formatValue(r.value, r.unit)}, ranked ${r.rank} of ${r.of} practices (1 is the highest)`;
        return {
          metric: r.shortName,
          text,
          linkText: `All practices in ${icb.name} on ${r.shortName}`,
          href: rankingUrl({
            metricId: r.metricId,
            level: 'practice',
            within: { level: 'icb', code: icb.code },
            grain: ctx.grain,
            period: null,
            minListSize: null,
            sort: 'rank',
            dir: 'asc',
          }),
        };
      })
    : [];
  return {
    heading: 'About this practice',
    rows,
    ranksHeading:
      icb && ranks.length > 0
        ? `Rank among the practices in ${icb.name}${period ? `, ${period}` : ''}`
        : null,
    ranks,
  };
}

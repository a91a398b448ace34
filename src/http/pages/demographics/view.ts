/**
 * The "Who uses the NHS App" page (GET /official/demographics): NHS England's published figures of logins and
 * users by age group and by deprivation decile for one month, each as a sentence, a bar chart and the same
 * figures in a table (docs/adr/0072-who-uses-the-app.md).
 */
import type { DemographicRow, DemographicsAnswer } from '../../../query/demographics.ts';
import { renderBarChart, type BarChartOptions } from '../../../web/charts/bar-chart.ts';
import { formatDate, formatNumber, formatPeriod } from '../../../web/format.ts';

const one = new Intl.NumberFormat('en-GB', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const pct = (share: number) => `${one.format(100 * share)}%`;
const monthWords = (m: string) => formatPeriod('month', `${m}-01`);

export interface AgeTableRow {
  group: string;
  per1000: string;
  users: string;
  logins: string;
  perUser: string;
  patients: string;
}

export interface DecileTableRow {
  group: string;
  share: string;
  users: string;
  logins: string;
  perUser: string;
}

/** "95 to 99" and "100+" shown as one row: the list sizes give their patients as one band. */
interface AgeLine {
  group: string;
  users: number;
  logins: number;
  patients: number | null;
  per1000: number | null;
}

function ageLines(rows: readonly DemographicRow[]): AgeLine[] {
  const lines: AgeLine[] = [];
  for (const r of rows) {
    const last = lines[lines.length - 1];
    if (r.populationBand === '95+' && last && last.group === '95 and over') {
      last.users += r.uniqueUsers;
      last.logins += r.logins;
      continue;
    }
    lines.push({
      group: r.populationBand === '95+' ? '95 and over' : r.group,
      users: r.uniqueUsers,
      logins: r.logins,
      patients: r.patients,
      per1000: r.bandUsersPer1000,
    });
  }
  return lines;
}

const decileLabel = (group: string) =>
  group === '1' ? '1 (most deprived)' : group === '10' ? '10 (least deprived)' : group;

/** The same bars drawn twice: wide, and narrow for small screens so that the labels stay readable. */
function bars(options: Omit<BarChartOptions, 'width' | 'className'>): string {
  return (
    renderBarChart({ ...options, className: 'app-chart__svg--wide' }) +
    renderBarChart({
      ...options,
      id: `${options.id}-narrow`,
      width: 360,
      className: 'app-chart__svg--narrow',
    })
  );
}

const ageWords = (group: string) =>
  group === '95 and over' ? 'aged 95 and over' : group === 'Unknown' ? 'of unknown age' : `aged ${group}`;

/**
 * Whether each breakdown adds up to England's users and logins of the month in the MI publication (they did
 * for every month of FOI-2507-2241508): the one check these figures can be given.
 */
function totalsCheck(
  rows: readonly DemographicRow[],
  month: string,
  official: { users: number | null; logins: number | null } | undefined,
): { text: string; agrees: boolean | null } {
  const sum = (b: 'age' | 'imd', k: 'uniqueUsers' | 'logins') =>
    rows.filter((r) => r.breakdown === b).reduce((a, r) => a + r[k], 0);
  const users = { age: sum('age', 'uniqueUsers'), imd: sum('imd', 'uniqueUsers') };
  const logins = { age: sum('age', 'logins'), imd: sum('imd', 'logins') };
  const n = formatNumber;
  if (!official || official.users === null || official.logins === null)
    return {
      agrees: null,
      text: `The age groups add up to ${n(users.age)} users and ${n(logins.age)} logins, the deciles to ${n(users.imd)} users and ${n(logins.imd)} logins. The NHS App Management Information publication for ${monthWords(month)} is not loaded to compare them with.`,
    };
  const agrees =
    users.age === official.users &&
    users.imd === official.users &&
    logins.age === official.logins &&
    logins.imd === official.logins;
  return {
    agrees,
    text: agrees
      ? `Checked: the age groups and the deciles each add up to England’s ${n(official.users)} users and ${n(official.logins)} logins of ${monthWords(month)} in the NHS App Management Information publication.`
      : `The NHS App Management Information publication gives England ${n(official.users)} users and ${n(official.logins)} logins in ${monthWords(month)}; the age groups add up to ${n(users.age)} users and ${n(logins.age)} logins, the deciles to ${n(users.imd)} users and ${n(logins.imd)} logins.`,
  };
}

export function buildDemographicsView(input: {
  answer: DemographicsAnswer;
  month: string;
  /** England's unique users and logins of the month in the MI publication, when loaded. */
  official?: { users: number | null; logins: number | null };
}) {
  const { answer, month } = input;
  const rows = answer.rows.filter((r) => r.month === month);
  const ages = ageLines(rows.filter((r) => r.breakdown === 'age'));
  const deciles = rows.filter((r) => r.breakdown === 'imd');
  const rated = ages.filter((a) => a.per1000 !== null);
  const unknownAge = ages.find((a) => a.group === 'Unknown');
  const top = rated.reduce<AgeLine | null>((a, b) => (a === null || b.per1000! > a.per1000! ? b : a), null);
  const bottom = rated.reduce<AgeLine | null>(
    (a, b) => (a === null || b.per1000! < a.per1000! ? b : a),
    null,
  );
  const per1000 = (a: AgeLine) => formatNumber(Math.round(a.per1000!));
  const ageSummary =
    top && bottom
      ? `In ${monthWords(month)}, ${per1000(top)} in every 1,000 registered patients ${ageWords(top.group)} logged in to the NHS App at least once, the most of any age group; ${per1000(bottom)} in every 1,000 ${ageWords(bottom.group)}, the fewest.`
      : null;
  const known = deciles.filter((d) => d.shareOfKnown !== null);
  const first = known.find((d) => d.group === '1');
  const tenth = known.find((d) => d.group === '10');
  const decileSummary =
    first && tenth
      ? `In ${monthWords(month)}, practices in the most deprived tenth of neighbourhoods (decile 1) had ${pct(first.shareOfKnown!)} of the users whose practice’s decile is known, and those in the least deprived tenth (decile 10) ${pct(tenth.shareOfKnown!)}.`
      : null;
  const monthParam = `month=${month}`;
  return {
    month,
    monthLabel: monthWords(month),
    monthItems: answer.months
      .slice()
      .reverse()
      .map((m) => ({ value: m, text: monthWords(m), selected: m === month })),
    firstMonth: answer.months[0] ? monthWords(answer.months[0]) : null,
    lastMonth: answer.months.length ? monthWords(answer.months[answer.months.length - 1]!) : null,
    patientsExtract: answer.patientsExtract ? formatDate(answer.patientsExtract) : null,
    ageSummary,
    totals: totalsCheck(rows, month, input.official),
    ageChart: rated.length
      ? bars({
          id: 'age-chart',
          title: `NHS App users per 1,000 registered patients by age group, England, ${monthWords(month)}`,
          desc: ageSummary ?? '',
          bars: rated.map((a) => ({ label: a.group, value: a.per1000, text: per1000(a) })),
        })
      : null,
    ageRows: ages.map((a): AgeTableRow => ({
      group: a.group,
      // Unknown age has no patients to divide by; a band without a list size has no data.
      per1000:
        a.per1000 !== null ? one.format(a.per1000) : a.group === 'Unknown' ? 'not applicable' : 'no data',
      users: formatNumber(a.users),
      logins: formatNumber(a.logins),
      perUser: one.format(a.logins / a.users),
      patients:
        a.patients !== null ? formatNumber(a.patients) : a.group === 'Unknown' ? 'not applicable' : 'no data',
    })),
    unknownAgeUsers: unknownAge ? formatNumber(unknownAge.users) : null,
    decileSummary,
    decileChart: known.length
      ? bars({
          id: 'decile-chart',
          title: `Share of NHS App users by deprivation decile of their GP practice, England, ${monthWords(month)}`,
          desc: decileSummary ?? '',
          bars: known.map((d) => ({
            label: decileLabel(d.group),
            value: 100 * d.shareOfKnown!,
            text: pct(d.shareOfKnown!),
          })),
        })
      : null,
    decileRows: deciles.map((d): DecileTableRow => ({
      group: decileLabel(d.group),
      share: d.shareOfKnown === null ? 'not shared out' : pct(d.shareOfKnown),
      users: formatNumber(d.uniqueUsers),
      logins: formatNumber(d.logins),
      perUser: one.format(d.logins / d.uniqueUsers),
    })),
    csvHref: `/api/v1/official/demographics?${monthParam}&format=csv`,
    allCsvHref: '/api/v1/official/demographics?format=csv',
    jsonHref: `/api/v1/official/demographics?${monthParam}`,
  };
}

export type DemographicsView = ReturnType<typeof buildDemographicsView>;

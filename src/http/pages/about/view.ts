/**
 * The About page: what the service is, the caveats every reader needs, the refresh schedule and history,
 * which periods are complete, data sources and licences, and the change log. Pure: status, build history
 * and configuration in, formatted text out.
 */
import type { Grain } from '../../../domain/metric-definition.ts';
import type { BuildLogEntry } from '../../../query/build-history.ts';
import { loadedPeriods } from '../../../query/series.ts';
import type { DataStatus } from '../../../query/types.ts';
import { formatDate, formatNumber, formatPeriod, periodEnd } from '../../../web/format.ts';
import { demoView, safeDate, safeDateTime, type DemoView } from '../../../web/views/metric-panels.ts';

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/**
 * A cron expression in words, for the simple schedules a refresh uses ("30 7 * * 3" → "every Wednesday at
 * 7:30am"); null when it is not one of those (the page then shows the expression itself).
 */
export function describeCron(expression: string): string | null {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) return null;
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  if (!/^\d{1,2}$/.test(minute) || !/^\d{1,2}$/.test(hour)) return null;
  const m = Number(minute);
  const h = Number(hour);
  if (m > 59 || h > 23) return null;
  const time = `${h % 12 === 0 ? 12 : h % 12}:${String(m).padStart(2, '0')}${h < 12 ? 'am' : 'pm'}`;
  if (month !== '*') return null;
  if (dom === '*' && dow === '*') return `every day at ${time}`;
  if (dom === '*' && /^\d(,\d)*$/.test(dow)) {
    const days = dow.split(',').map((d) => WEEKDAYS[Number(d) % 7]);
    if (days.some((d) => d === undefined)) return null;
    const list =
      days.length === 1 ? days[0]! : `${days.slice(0, -1).join(', ')} and ${days[days.length - 1]}`;
    return `every ${list} at ${time}`;
  }
  if (dow === '*' && /^\d{1,2}$/.test(dom) && Number(dom) >= 1 && Number(dom) <= 31) {
    const d = Number(dom);
    const suffix =
      d % 10 === 1 && d !== 11
        ? 'st'
        : d % 10 === 2 && d !== 12
          ? 'nd'
          : d % 10 === 3 && d !== 13
            ? 'rd'
            : 'th';
    return `on the ${d}${suffix} of every month at ${time}`;
  }
  return null;
}

export interface PeriodsView {
  grainLabel: string;
  firstComplete: string | null;
  lastComplete: string | null;
  completeCount: number;
  partial: string | null;
}

function periodsView(grain: Grain, status: DataStatus): PeriodsView {
  const all = loadedPeriods(grain, status, true);
  const complete = all.filter((p) => p.complete);
  const partial = all.filter((p) => !p.complete).map((p) => p.periodStart);
  const label = (p: string) =>
    grain === 'week'
      ? `${formatPeriod(grain, p)} (to ${formatDate(periodEnd(grain, p))})`
      : formatPeriod(grain, p);
  return {
    grainLabel: grain === 'week' ? 'Weeks (Monday to Sunday)' : 'Months',
    firstComplete: complete[0] ? label(complete[0].periodStart) : null,
    lastComplete: complete.length > 0 ? label(complete[complete.length - 1]!.periodStart) : null,
    completeCount: complete.length,
    partial: partial.length > 0 ? partial.map(label).join('; ') : null,
  };
}

export interface BuildView {
  finishedText: string;
  kindText: string;
  periodsText: string;
  figuresText: string;
  eventsText: string;
}

function buildView(b: BuildLogEntry): BuildView {
  const seconds = (Date.parse(b.finishedAt) - Date.parse(b.startedAt)) / 1000;
  let periodsText = 'None';
  if (b.firstPeriod && b.lastPeriod) {
    const first = safeDate(b.firstPeriod) ?? b.firstPeriod;
    const last = safeDate(b.lastPeriod) ?? b.lastPeriod;
    periodsText =
      b.firstPeriod === b.lastPeriod
        ? `The period starting ${first}`
        : `Periods starting ${first} to ${last}`;
  }
  return {
    finishedText: safeDateTime(b.finishedAt) ?? b.finishedAt,
    kindText:
      (b.kind === 'full' ? 'Full rebuild' : 'New data') +
      (Number.isFinite(seconds) && seconds >= 0 ? ` (${formatNumber(Math.round(seconds * 10) / 10)} s)` : ''),
    periodsText,
    figuresText: formatNumber(b.rowsWritten),
    eventsText: formatNumber(b.eventsTotal),
  };
}

export interface ChangeLogEntry {
  date: string;
  heading: string;
  items: string[];
}

/** What changed in the service, newest first. */
export const CHANGE_LOG: ChangeLogEntry[] = [
  {
    date: '2026-12',
    heading: 'Who uses the App, booking for an area, demo data labelled everywhere',
    items: [
      'Who uses the App by age and by deprivation (Official statistics): NHS England’s published figures, with users per 1,000 registered patients of each age.',
      'Urgent care booking: the summary, each measure and the breach analysis for the patients of one region, ICB or sub-ICB location.',
      'Files and API answers of synthetic demo figures say so: downloads are named synthetic-demo_…, and API answers carry the header X-Demo-Data: synthetic.',
      'A weekly refresh that finds no new file keeps the figures as they are, rather than publishing the same figures again.',
    ],
  },
  {
    date: '2026-11',
    heading: 'Data table, data dictionary, About page and chart downloads',
    items: [
      'Data table: filter by level, area (find it by name, ODS code or postcode), metric, week or month and period range; download the whole selection as CSV.',
      'Data dictionary: every metric’s definition, calculation, unit, lowest geography, caveats, source, disclosure control and open-data status, with its name in the original NHS App Dashboard.',
      'Every chart has a CSV download of exactly the figures it shows.',
      'Area pages show where an area stands among areas of the same type: a band of the middle 80% and middle 50% of areas behind its line, and its percentile rank.',
    ],
  },
  {
    date: '2026-11',
    heading: 'Area pages and search',
    items: [
      'A page for every region, ICB, sub-ICB location, PCN and GP practice, closed ones included, compared with its parent and England as a rate per 1,000 patients aged 13+ with its coverage.',
      'Search by name, ODS code or practice postcode from every page.',
    ],
  },
  {
    date: '2026-11',
    heading: 'First release',
    items: [
      'Exact weekly and monthly figures computed from NHS App activity, from England down to each GP practice, on today’s structure or as recorded at the time.',
      'The NHS’s own feeds (practice snapshot, integrated partners, downloads, POMI) loaded beside the figures computed from activity.',
      'Unlike the original NHS App Dashboard, closed practices keep their history, and rates leave out practices without a list size instead of overstating the rate.',
    ],
  },
];

export interface SourceView {
  name: string;
  publisher: string;
  licence: string;
  licenceHref: string | null;
  use: string;
}

export const OGL_HREF = 'https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/';

export const DATA_SOURCES: SourceView[] = [
  {
    name: 'NHS App activity events',
    publisher: 'NHS England (NHS App), pseudonymised before loading',
    licence: 'Not published: restricted to NHS use',
    licenceHref: null,
    use: 'Logins, users, registrations, appointments, prescriptions, record views, organ donation and other feature use.',
  },
  {
    name: 'NHS App daily practice snapshot, integrated partner jump-offs and downloads',
    publisher: 'NHS England',
    licence: 'Not published: restricted to NHS use',
    licenceHref: null,
    use: 'The NHS’s own aggregated counts, shown beside the figures computed from activity for comparison.',
  },
  {
    name: 'GP practice to PCN, sub-ICB location, ICB and region map (gp-reg-pat-prac-map)',
    publisher: 'NHS England, Patients Registered at a GP Practice',
    licence: 'Open Government Licence v3.0',
    licenceHref: OGL_HREF,
    use: 'The geography: every practice and the areas it belongs to, each release kept with its date.',
  },
  {
    name: 'Patients Registered at a GP Practice (list sizes)',
    publisher: 'NHS England',
    licence: 'Open Government Licence v3.0',
    licenceHref: OGL_HREF,
    use: 'Patients aged 13 and over: the denominator of every rate.',
  },
  {
    name: 'Patient Online Management Information (POMI)',
    publisher: 'NHS England',
    licence: 'Open Government Licence v3.0',
    licenceHref: OGL_HREF,
    use: 'GP online services enablement and use, per practice and month.',
  },
  {
    name: 'NHS App Management Information',
    publisher: 'NHS England (official statistics)',
    licence: 'Open Government Licence v3.0',
    licenceHref: OGL_HREF,
    use: 'Checks: the figures computed here are compared with the published ones.',
  },
  {
    name: 'NHS App User Demographics (FOI-2507-2241508)',
    publisher: 'NHS England, in answer to a Freedom of Information request',
    licence: 'Open Government Licence v3.0',
    licenceHref: OGL_HREF,
    use: 'Who uses the App by age and by deprivation, England, March to May 2025: shown as published, with users per 1,000 registered patients of each age.',
  },
  {
    name: 'Boundaries of regions, ICBs and sub-ICB locations',
    publisher:
      'Office for National Statistics (Open Geography); contains OS data © Crown copyright and database right',
    licence: 'Open Government Licence v3.0',
    licenceHref: OGL_HREF,
    use: 'The map.',
  },
];

export interface AboutView {
  demo: DemoView | null;
  refreshedText: string | null;
  dataRangeText: string | null;
  schedule: { text: string; expression: string; timeZone: string };
  periods: PeriodsView[];
  builds: BuildView[] | null;
  sources: SourceView[];
  changeLog: ChangeLogEntry[];
}

export function buildAboutView(opts: {
  status: DataStatus;
  refreshSchedule: string;
  /** Null when the history could not be read. */
  builds: BuildLogEntry[] | null;
}): AboutView {
  const { status } = opts;
  const described = describeCron(opts.refreshSchedule);
  const first = safeDate(status.firstDay);
  const last = safeDate(status.lastDay);
  return {
    demo: demoView(status),
    refreshedText: safeDateTime(status.refreshedAt),
    dataRangeText: first && last ? `from ${first} to ${last}` : null,
    schedule: {
      text: described
        ? `${described[0]!.toUpperCase()}${described.slice(1)}, UK time (Europe/London)`
        : `On the schedule “${opts.refreshSchedule}” (cron), UK time (Europe/London)`,
      expression: opts.refreshSchedule,
      timeZone: 'Europe/London',
    },
    periods: (['month', 'week'] as const).map((g) => periodsView(g, status)),
    builds: opts.builds === null ? null : opts.builds.map(buildView),
    sources: DATA_SOURCES,
    changeLog: CHANGE_LOG,
  };
}

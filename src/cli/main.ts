import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.ts';
import { IngestError } from '../ingest/errors.ts';
import { CatalogueError } from '../metrics/catalogue.ts';
import { WarehouseBusyError } from '../warehouse/db.ts';
import { parseNumberListOption, parseNumberOption, UsageError } from './args.ts';
import { runHttpBench } from '../bench/http.ts';
import { runPipelineBench } from '../bench/pipeline.ts';
import {
  NATIONAL_ACCOUNTS,
  NATIONAL_WEEK_EVENTS,
  nationalWeekPoints,
  runNationalWeekBench,
} from '../bench/national-week.ts';
import { targetTable, type Measurement } from '../bench/targets.ts';
import { runBookingBench } from '../bench/booking.ts';
import { runQuery } from './query-command.ts';
import { runPublish } from './publish-command.ts';
import { runTokens } from './tokens-command.ts';
import { runUsers } from './users-command.ts';
import { runRefresh } from './refresh-command.ts';
import { runMetricsExplain } from './metrics-explain.ts';
import { runBuild, runDemo, runIngest, runInit, runMetrics, runServe, runStatus } from './commands.ts';

const HELP = `nhs-app-analytics — NHS App usage analytics

Usage: nhs-app-analytics <command> [options]

Commands:
  serve [--demo] [--demo-scale N]    Start the dashboard and API on PORT (default 3000). With --demo, an
                                     empty warehouse is first filled with synthetic demo activity.
  init                               Create the warehouse in DATA_DIR and load the bundled reference data.
  demo [--scale N] [--seed N] [--today YYYY-MM-DD]
                                     Generate synthetic activity (two years to the last complete week),
                                     load it through the normal ingest path and build the figures.
  ingest events FILE...              Load canonical activity event files (.csv, .jsonl, .parquet, .gz).
  ingest reference FILE...           Load NHS reference files (gp-reg-pat-prac-map, list sizes).
  ingest booking-events FILE...      Load urgent-care booking-journey events (.csv, .jsonl, .parquet, .gz).
  ingest booking-slots FILE...       Load providers' slot availability (date, service_id, provider_ods,
                                     slots_available).
  ingest FEED-KIND FILE...           Load an NHS aggregated feed: practice-snapshot, integrated-partners,
                                     downloads, pomi or mi-publication (CSV or the MI workbook).
  refresh                            Load the files in the inbox (INBOX_DIR, default DATA_DIR/inbox) and
                                     build; when the server is running, ask it to refresh now instead.
  build [--full]                     Rebuild every figure from the loaded events (ingest events recomputes
                                     only the periods the new events touch).
  build --explain                    Print the build's steps in order, with what each reads and writes.
  metrics [list] [--format json]     List the metric catalogue.
  metrics explain ID [--data-dir DIR] [--format json]
                                     A metric's path: its YAML line, the build step and SQL files that
                                     produce its cells, the cells stored (when a warehouse exists), its
                                     rate, comparison, no-data, rounding, disclosure and open-data rules,
                                     and the pages and API routes that show it.
  query series --metric ID [--level L --code C] [--grain week|month] [--from D] [--to D]
        [--structure current|as-recorded] [--partial] [--format csv|json]
                                     Print a series: period start, value, complete flag.
  query breakdown --metric ID --level L --code C --period D [--grain …] [--format …]
                                     Print an area's children for one period.
  query jump-offs [--source events|feed] [--level L --code C] [--grain …] (--period D | [--from D]
        [--to D] [--provider P] [--service S]) [--format …]
                                     Jump-off clicks by provider and service (one period), or a series.
  query official --measure ID --level england|region|icb [--code C] [--from YYYY-MM] [--to YYYY-MM]
        [--edition latest|YYYY-MM] [--format csv|json]
                                     Official statistics (NHS App MI publication): month, level, code,
                                     name, measure, value, edition.
  query demographics [--month YYYY-MM] [--format csv|json]
                                     Who uses the App by age group and deprivation decile (NHS England's
                                     FOI figures), with patients and users per 1,000 for ages.
  query booking --measure ID --from YYYY-MM-DD --to YYYY-MM-DD [--group-by G] [--area ODS]
        [--format csv|json]
                                     Urgent-care booking MI (rep-cons-01 … rep-prov-05): measure, group,
                                     count, paired, ratio; --area: patients registered in an area only.
  publish --month YYYY-MM --out DIR  Write the month's NHS App MI publication from the computed figures
                                     (workbook, ICB CSV, England CSV); archived and listed at /open-data.
  status                             Show what the warehouse holds.
  users add EMAIL [--admin]          Let someone sign in (as viewer, or admin): e.g. the first admin.
  users list | users disable EMAIL | users enable EMAIL
                                     List users, or stop (or restore) someone's access.
  tokens create EMAIL --name NAME    Print a new personal API token for a user (shown once), for scripts.
  tokens list EMAIL | tokens revoke EMAIL --name NAME
                                     List a user's tokens, or revoke one by name.
  bench [--events N]                 Benchmark ingest and builds on N generated events (default 10 million),
                                     against DuckDB's bare scan of the same files; then the booking bench.
  bench --national-week [--accounts N] [--events M] [--scale S,…] [--threads T,…]
                                     A year of per-user monthly state for N accounts (default 40 million), then
                                     one week of M events (default 35 million) ingested and built: time, memory.
                                     --scale: fractions of both (e.g. 0.05,0.1); --threads: DuckDB threads
                                     (e.g. 1,2): every pair is run, then scaling and the national extrapolation.
  bench booking [--booking-scale S]  Booking events ingested per second, and a year of journeys at S of national
                                     volume (default 1) summarised by bookingAnswer for a month and the year.
  bench http                         Benchmark the API and pages over HTTP on a national-scale demo cube
                                     (50 connections), beside a trivial route, and a page's transfer size,
                                     then every page and API route once uncached, then signed-in load
                                     (160 connections, distinct URLs).
  bench http load                    Only the signed-in load runs (rate limits, figure queue, /healthz).

Environment: DATA_DIR (warehouse folder, default ./.data), PORT, HOST, DUCKDB_MEMORY_LIMIT (default 4GB),
DUCKDB_THREADS, INBOX_DIR, REFRESH_SCHEDULE (cron, Europe/London, default "30 7 * * 3"), NHS_APP_ANALYTICS_TODAY (pin "today" for reproducible demo data), LOG_LEVEL,
LOG_FORMAT (pretty or json; json when NODE_ENV=production), DATABASE_URL (PostgreSQL for the app state and
the published figures of a shared deployment; users and tokens then work while the server runs).
A bad setting stops every command with one "Configuration error" line per variable.
Sign-in: PUBLIC_URL, TRUST_PROXY, AUTH_ALLOWED_DOMAINS (default nhs.net, nhs.uk), AUTH_SECRET, SMTP_URL,
MAIL_FROM (no SMTP_URL: links go to the log and DATA_DIR/outbox), SESSION_IDLE_MINUTES, SESSION_ABSOLUTE_HOURS,
AUDIT_RETENTION_DAYS (default 400), OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URI,
OIDC_SCOPES, OIDC_EMAIL_CLAIM.
Open data: OPEN_DATA_DISCLOSURE (on: counts below England suppressed or rounded for visitors).
See README.md for every setting.`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    console.log(HELP);
    return command ? 0 : 1;
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    strict: true,
    options: {
      demo: { type: 'boolean' },
      'demo-scale': { type: 'string' },
      scale: { type: 'string' },
      seed: { type: 'string' },
      today: { type: 'string' },
      format: { type: 'string' },
      full: { type: 'boolean' },
      explain: { type: 'boolean' },
      metric: { type: 'string' },
      level: { type: 'string' },
      code: { type: 'string' },
      grain: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      period: { type: 'string' },
      source: { type: 'string' },
      provider: { type: 'string' },
      service: { type: 'string' },
      structure: { type: 'string' },
      partial: { type: 'boolean' },
      name: { type: 'string' },
      events: { type: 'string' },
      'national-week': { type: 'boolean' },
      threads: { type: 'string' },
      accounts: { type: 'string' },
      'booking-scale': { type: 'string' },
      admin: { type: 'boolean' },
      measure: { type: 'string' },
      'group-by': { type: 'string' },
      area: { type: 'string' },
      edition: { type: 'string' },
      month: { type: 'string' },
      out: { type: 'string' },
      'data-dir': { type: 'string' },
    },
  });
  const config = loadConfig();
  switch (command) {
    case 'serve':
      return runServe(config, values);
    case 'init':
      return runInit(config);
    case 'demo':
      return runDemo(config, values);
    case 'ingest':
      return runIngest(config, positionals);
    case 'build':
      return runBuild(config, values);
    case 'refresh':
      return runRefresh(config);
    case 'metrics':
      if (positionals[0] === 'explain') return runMetricsExplain(config, positionals.slice(1), values);
      if (positionals.length > 1 || (positionals[0] !== undefined && positionals[0] !== 'list'))
        throw new UsageError('usage: nhs-app-analytics metrics [list] | metrics explain ID');
      return runMetrics(values);
    case 'status':
      return runStatus(config);
    case 'query':
      return runQuery(config, positionals, values);
    case 'publish':
      return runPublish(config, values);
    case 'users':
      return runUsers(config, positionals, values);
    case 'tokens':
      return runTokens(config, positionals, values);
    case 'bench': {
      // Every mode ends with the table of issue 15's targets, the ones it measured filled in.
      const measured: Measurement[] = [];
      await runBench(config, positionals, values, measured);
      console.log(`\n${targetTable(measured)}`);
      return 0;
    }
    default:
      throw new UsageError(`unknown command "${command}" (see nhs-app-analytics --help)`);
  }
}

async function runBench(
  config: ReturnType<typeof loadConfig>,
  positionals: string[],
  values: Record<string, string | boolean | undefined>,
  measured: Measurement[],
): Promise<void> {
  const str = (name: string) => (typeof values[name] === 'string' ? values[name] : undefined);
  if (positionals[0] === 'http') {
    if (positionals[1] !== undefined && positionals[1] !== 'load')
      throw new UsageError(`unknown benchmark "http ${positionals[1]}" (try "bench http load")`);
    measured.push(
      ...(await runHttpBench({
        memoryLimit: config.memoryLimit,
        ...(positionals[1] === 'load' ? { only: 'load' as const } : {}),
      })),
    );
    return;
  }
  const bookingScale = parseNumberOption('booking-scale', str('booking-scale'), 1, 0.005, 2);
  if (positionals[0] === 'booking') {
    await runBookingBench({ memoryLimit: config.memoryLimit, scale: bookingScale });
    return;
  }
  if (values['national-week']) {
    const scales = parseNumberListOption('scale', str('scale'), 0.0001, 2);
    if (scales.length > 0 && (values.accounts !== undefined || values.events !== undefined))
      throw new UsageError('--scale sets both accounts and events: leave out --accounts and --events');
    const threads = parseNumberListOption('threads', str('threads'), 1, 256);
    measured.push(
      ...(await runNationalWeekBench({
        points:
          scales.length > 0
            ? nationalWeekPoints(scales)
            : [
                {
                  accounts: parseNumberOption(
                    'accounts',
                    str('accounts'),
                    NATIONAL_ACCOUNTS,
                    10_000,
                    200_000_000,
                  ),
                  events: parseNumberOption(
                    'events',
                    str('events'),
                    NATIONAL_WEEK_EVENTS,
                    10_000,
                    500_000_000,
                  ),
                },
              ],
        threads: threads.length > 0 ? threads : [config.threads],
        memoryLimit: config.memoryLimit,
      })),
    );
    return;
  }
  const events = parseNumberOption('events', str('events'), 10_000_000, 10_000, 2_000_000_000);
  measured.push(
    ...(await runPipelineBench({ events, memoryLimit: config.memoryLimit, threads: config.threads })),
  );
  await runBookingBench({ memoryLimit: config.memoryLimit, scale: bookingScale });
}

// `nhs-app-analytics metrics | head` closes the pipe early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const KNOWN_ERRORS = [UsageError, ConfigError, IngestError, CatalogueError, WarehouseBusyError];

try {
  process.exitCode = await main(process.argv.slice(2));
  // One-shot commands end when done, even if a library keeps a handle open (the HTTP load bench's client
  // sockets once kept the process waiting after printing everything). Unref'd: a normal exit is not delayed.
  if (process.argv[2] !== 'serve') setTimeout(() => process.exit(), 2000).unref();
} catch (err) {
  if (err instanceof ConfigError) {
    // One line per bad variable, all of them (src/config.ts).
    for (const problem of err.problems) console.error(`Configuration error: ${problem}`);
    process.exitCode = 2;
  } else if (
    KNOWN_ERRORS.some((E) => err instanceof E) ||
    (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
  ) {
    console.error(`Error: ${(err as Error).message}`);
    process.exitCode = 2;
  } else {
    console.error(err);
    process.exitCode = 1;
  }
}

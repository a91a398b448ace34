import { getOfficialEditions } from '../query/official.ts';
import fs from 'node:fs';
import { ConfigError, type AppConfig } from '../config.ts';
import { createOidcClient, loadOidcConfig, OidcConfigError } from '../auth/oidc.ts';
import {
  DEFAULT_DEMO_SCALE,
  DEFAULT_DEMO_SEED,
  completePendingWork,
  hasActivity,
  initialise,
  loadDemo,
  openForReading,
  openWarehouse,
} from '../app/bootstrap.ts';
import { FiguresService } from '../app/figures-snapshot.ts';
import { figureStoreConfigFrom } from '../app/figure-store-config.ts';
import { RefreshService } from '../app/refresh.ts';
import { serverPublisher } from '../app/publish.ts';
import { londonDate } from '../domain/periods.ts';
import { openAppState } from '../app/app-state.ts';
import { serveLog, serverLoggerOptions } from '../app/logging.ts';
import { WarehouseQueries } from '../app/warehouse-queries.ts';
import { systemClock } from '../domain/clock.ts';
import { buildApp } from '../http/app.ts';
import { warmUp, warmUpLine } from '../http/warm-up.ts';
import { ingestEventFile } from '../ingest/events.ts';
import { describeBookingLoad, ingestBookingEventFile, ingestBookingSlotsFile } from '../ingest/booking.ts';
import {
  describeFeedImport,
  FEED_KINDS,
  importFeedFile,
  isFeedKind,
  type FeedKind,
} from '../ingest/feeds/index.ts';
import { importReferenceFile } from '../ingest/reference/index.ts';
import { explainBuild, pendingBuild } from '../metrics/build.ts';
import { loadCatalogue } from '../metrics/catalogue.ts';
import { getDataStatus } from '../query/status.ts';
import { clockFrom, parseNumberOption, UsageError } from './args.ts';
import { openForLoading } from './refresh-command.ts';
import { openDataDir } from './publish-command.ts';

type Values = Record<string, string | boolean | undefined>;
const log = (message: string) => console.log(message);
const str = (v: string | boolean | undefined) => (typeof v === 'string' ? v : undefined);

export async function runInit(config: AppConfig): Promise<number> {
  const db = await openWarehouse(config);
  try {
    await initialise(db, log);
    const practices = await db.scalar<number>(
      "SELECT count(*) FROM area WHERE area_level = 'practice' AND is_current AND area_code <> 'UNKNOWN'",
    );
    log(`Warehouse ready at ${db.file}: ${practices} current GP practices.`);
    return 0;
  } finally {
    db.close();
  }
}

export async function runDemo(config: AppConfig, values: Values): Promise<number> {
  const scale = parseNumberOption('scale', str(values.scale), DEFAULT_DEMO_SCALE, 0.00001, 1);
  const seed = parseNumberOption('seed', str(values.seed), DEFAULT_DEMO_SEED, 0, 2 ** 31 - 1);
  const clock = clockFrom(str(values.today));
  const db = await openWarehouse(config);
  try {
    await initialise(db, log);
    if (await hasActivity(db)) {
      throw new UsageError(
        `the warehouse in ${config.dataDir} already holds activity; demo data goes into an empty DATA_DIR`,
      );
    }
    await loadDemo(db, config, { scale, seed, clock, log });
    return 0;
  } finally {
    db.close();
  }
}

export async function runIngest(config: AppConfig, positionals: string[]): Promise<number> {
  const [kind, ...files] = positionals;
  const booking = kind === 'booking-events' || kind === 'booking-slots';
  if (
    (kind !== 'events' && kind !== 'reference' && !booking && !isFeedKind(kind ?? '')) ||
    files.length === 0
  ) {
    throw new UsageError(
      `usage: nhs-app-analytics ingest events|reference|booking-events|booking-slots|${FEED_KINDS.join('|')} FILE...`,
    );
  }
  const db = await openForLoading(config);
  let failures = 0;
  try {
    await initialise(db, log);
    for (const file of files) {
      try {
        if (booking) {
          // Urgent-care booking MI (issue 13): read by the booking queries directly, no build needed.
          const load = kind === 'booking-events' ? ingestBookingEventFile : ingestBookingSlotsFile;
          const r = await load(db, file);
          log(describeBookingLoad(r));
          if (r.ignoredColumns.length > 0) log(`  ignored unknown columns: ${r.ignoredColumns.join(', ')}`);
        } else if (kind === 'events') {
          const r = await ingestEventFile(db, file);
          if (r.status === 'already_loaded') {
            log(`${file}: already loaded (load ${r.loadId}); nothing to do`);
            continue;
          }
          log(
            `${file}: ${r.rowsRead} rows read, ${r.rowsLoaded} loaded, ${r.rowsDuplicate} duplicate event ids skipped, ` +
              `${r.rowsRejected} rejected, ${r.unknownPracticeRows} with no or an unknown practice (counted under Unknown)`,
          );
          for (const j of r.rejects) log(`  line ${j.line}, field ${j.field}: ${j.reason}`);
          if (r.rowsRejected > r.rejects.length)
            log(`  … and ${r.rowsRejected - r.rejects.length} more (table event_reject)`);
          if (r.ignoredColumns.length > 0) log(`  ignored unknown columns: ${r.ignoredColumns.join(', ')}`);
        } else if (kind === 'reference') {
          const r = await importReferenceFile(db, file);
          for (const release of r.releases) {
            log(
              `${file}: ${r.kind} release ${release.extractDate}: ${release.action} (${release.rows} rows)`,
            );
          }
        } else {
          const r = await importFeedFile(db, kind as FeedKind, file);
          log(describeFeedImport(r));
          for (const w of r.warnings) log(`  warning: ${w}`);
        }
      } catch (err) {
        failures += 1;
        console.error(`Error: ${(err as Error).message}`);
      }
    }
    // The build these loads need, and only if they changed something (a refused or already-loaded file does
    // not): new events recompute the periods they touch, feed files and reference releases rebuild everything.
    const built = await completePendingWork(db, log);
    if (built === null) log('No figures changed.');
    return failures > 0 ? 2 : 0;
  } finally {
    db.close();
  }
}

/**
 * `build` and `build --full` both recompute everything; ingest runs the build its loads need itself.
 * `build --explain` prints the build's steps without opening the warehouse.
 */
export async function runBuild(config: AppConfig, values: Values): Promise<number> {
  if (values.explain) {
    log(explainBuild());
    return 0;
  }
  const db = await openWarehouse(config);
  try {
    await initialise(db, log, { completePending: false });
    const built = (await completePendingWork(db, log, systemClock, { full: true }))!;
    log(
      `Built ${built.rows} figures for ${built.metrics.length} metrics in ${built.millis} ms (data version ${built.dataVersion}).`,
    );
    return 0;
  } finally {
    db.close();
  }
}

export async function runMetrics(values: Values): Promise<number> {
  const catalogue = loadCatalogue();
  if (values.format === 'json') {
    console.log(JSON.stringify(catalogue, null, 2));
    return 0;
  }
  if (values.format !== undefined && values.format !== 'text')
    throw new UsageError('--format must be text or json');
  for (const m of catalogue) {
    console.log(`${m.id.padEnd(32)} ${m.aggregation.padEnd(12)} ${m.grains.join(',').padEnd(11)} ${m.name}`);
  }
  return 0;
}

export async function runStatus(config: AppConfig): Promise<number> {
  if (!fs.existsSync(config.dataDir)) {
    log(`No warehouse in ${config.dataDir} yet (run nhs-app-analytics init).`);
    return 0;
  }
  // Reports; changes no figure (the next ingest, build or serve completes an interrupted load's build). On a
  // running server it reads the figures the server published.
  const { db, published } = await openForReading(config, log);
  try {
    const status = await getDataStatus(db);
    const events = published
      ? Number(
          await db.scalar<string>("SELECT value FROM warehouse_meta WHERE key = 'published_events_total'"),
        )
      : await db.scalar<number>('SELECT count(*) FROM activity_event');
    if (published)
      log(`The server is running: these are the figures it published (data version ${status.dataVersion}).`);
    const pending = await pendingBuild(db);
    const awaitingBuild =
      pending.kind === 'none'
        ? null
        : pending.kind === 'full'
          ? `full rebuild (${pending.reason})`
          : `${pending.loads} event load(s) not yet in the figures` +
            (pending.range ? ` (${pending.range.from} to ${pending.range.to})` : '');
    // The official statistics (NHS App MI publication) loaded: editions and months covered (issue 12).
    const officialStatistics = await getOfficialEditions(db)
      .then((es) =>
        es.length === 0
          ? { editions: 0 }
          : {
              editions: es.length,
              latestEdition: es[0]!.edition,
              latestPublishedOn: es[0]!.publishedOn,
              months: `${es.map((e) => e.firstMonth).sort()[0]} to ${es
                .map((e) => e.lastMonth)
                .sort()
                .at(-1)}`,
            },
      )
      .catch(() => null);
    log(
      JSON.stringify({ warehouse: db.file, events, ...status, awaitingBuild, officialStatistics }, null, 2),
    );
    if (awaitingBuild)
      log(`Awaiting build: ${awaitingBuild}. Run nhs-app-analytics build, or any ingest, to finish it.`);
    return 0;
  } finally {
    db.close();
  }
}

export async function runServe(config: AppConfig, values: Values): Promise<number> {
  // Development: plain lines; production (NODE_ENV=production or LOG_FORMAT=json): JSON lines (src/app/logging.ts).
  const log = serveLog(config);
  let oidcConfig;
  try {
    oidcConfig = loadOidcConfig(process.env);
  } catch (err) {
    if (err instanceof OidcConfigError) throw new ConfigError(err.message);
    throw err;
  }
  const oidc = oidcConfig ? createOidcClient(oidcConfig) : null;
  const figureConfig = figureStoreConfigFrom(process.env);
  const db = await openWarehouse(config);
  const { changed } = await initialise(db, log);
  // With DATABASE_URL the first instance on an empty database loads the demo, under the refresh lock.
  const fillIfEmpty = async () => {
    if (values.demo && !(await hasActivity(db))) {
      const scale = parseNumberOption(
        'demo-scale',
        str(values['demo-scale']),
        DEFAULT_DEMO_SCALE,
        0.00001,
        1,
      );
      await loadDemo(db, config, { scale, seed: DEFAULT_DEMO_SEED, clock: clockFrom(undefined), log });
    }
  };
  // Users, sessions, tokens, audit and refresh history: their own store (DATA_DIR/state or DATABASE_URL), so a
  // refresh never holds sign-in back; what the warehouse held before the upgrade moves there once.
  const state = await openAppState(config, log, { warehouse: db });
  // The figure store (docs/adr/0026): pages, the API and `query` read the published snapshot, swapped after
  // each build; with DATABASE_URL published to PostgreSQL and followed by every instance.
  const figures = await FiguresService.start({
    warehouse: db,
    dataDir: config.dataDir,
    config: figureConfig,
    log,
    fillIfEmpty,
    warehouseChanged: changed,
  });
  const catalogue = loadCatalogue();
  // Loads the inbox and builds while serving, on REFRESH_SCHEDULE, "Refresh now" and `refresh` (issue 10).
  const refresh = new RefreshService({
    db,
    state,
    inboxDir: config.inboxDir,
    schedule: config.refreshSchedule,
    log,
    exclusive: figures.exclusive,
    afterRun: (conn) => figures.publish(conn),
    takesCliRequests: () => figures.runsRefreshes(),
    // `publish --month` while serving: the CLI asks, this server writes the release and publishes its figures.
    publish: serverPublisher({
      archiveDir: openDataDir(config),
      disclosure: config.auth.openDataDisclosure,
      catalogue,
      today: () => londonDate(systemClock.now()),
      afterPublish: (conn) => figures.publish(conn),
    }),
  });
  const app = await buildApp({
    db: figures.store.reader,
    warehouse: db,
    figuresNotReady: () => figures.notReady(),
    state,
    config,
    clock: systemClock,
    queries: new WarehouseQueries(figures.store.reader, catalogue),
    logger: serverLoggerOptions(config),
    oidc,
    refresh,
  });
  // Caches and ETags move to the new version when it is swapped in, which is then warmed (a new file is cold
  // to DuckDB; src/http/warm-up.ts). One warm-up at a time: a swap during one is warmed once it ends.
  let warming = false;
  let swappedMeanwhile = false;
  const warmVersion = (): void => {
    if (warming) {
      swappedMeanwhile = true;
      return;
    }
    warming = true;
    void warmUp(app, figures.store.reader)
      .then((w) => log(warmUpLine('figures version', w)))
      .finally(() => {
        warming = false;
        if (swappedMeanwhile) {
          swappedMeanwhile = false;
          warmVersion();
        }
      });
  };
  figures.store.onSwap(() => {
    app.responseCache.invalidate();
    warmVersion();
  });
  // Every kind of page and answer once before taking traffic: the first users do not pay for cold code.
  log(warmUpLine('server', await warmUp(app, figures.store.reader)));
  // SIGTERM: requests in flight finish, the schedule stops and a refresh in progress ends (its publish is
  // atomic), then the stores close.
  const close = async () => {
    await app.close();
    await figures.close();
    await state.close();
    // After the stores: a refresh or sign-in lookup still running ends before the warehouse closes.
    await db.closeWhenIdle();
    process.exit(0);
  };
  process.once('SIGINT', () => void close());
  process.once('SIGTERM', () => void close());
  await app.listen({ port: config.port, host: config.host });
  await refresh.start();
  log(
    `Refresh: files dropped into ${config.inboxDir} are loaded on "${config.refreshSchedule}" (Europe/London).`,
  );
  if (oidc) {
    // Organisation sign-in: report the provider now; the server serves open data whatever the answer.
    void oidc
      .warmUp()
      .then((ready) =>
        log(
          ready
            ? `Sign-in with an organisation account (OpenID Connect) via ${oidc.config.issuer.origin}`
            : `OpenID provider ${oidc.config.issuer.origin} not reachable: organisation sign-in unavailable until it is`,
        ),
      );
  }
  log(
    `NHS App Analytics is serving on http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}/`,
  );
  return new Promise<number>(() => undefined);
}

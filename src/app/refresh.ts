/**
 * The refresh while serving (issue 10 item 2, docs/adr/0017-refresh-while-serving.md): the server loads the
 * files dropped into the inbox and builds the figures itself — on REFRESH_SCHEDULE (cron, Europe/London), when
 * an admin presses "Refresh now", or when the CLI drops `.refresh-now` into the inbox.
 *
 * - A run works on a warehouse connection of its own, so pages and the API keep answering from the last
 *   committed data (DuckDB's MVCC) until the run's build commits and the data version changes.
 * - One run at a time: a request while one runs is queued (at most one waits; further requests join it).
 * - Each file is loaded in its own transaction by the importer of its kind (classifyInboxFile), then moved to
 *   loaded/, or to rejected/ with its reasons; the build the loads need runs last (completePendingWork), in one
 *   transaction. A failed build keeps the last good figures and is retried by the next run.
 * - Every run is recorded in refresh_run / refresh_file, written outside the loads' transactions.
 */
import { Cron } from 'croner';
import path from 'node:path';
import fs from 'node:fs';
import type { Clock } from '../domain/clock.ts';
import { systemClock } from '../domain/clock.ts';
import type {
  PublishAnswer,
  RefreshControl,
  RefreshRequestAnswer,
  RefreshTrigger,
  RunningRefresh,
} from '../domain/refresh.ts';
import { IngestError, type IngestProblem } from '../ingest/errors.ts';
import { ingestEventFile } from '../ingest/events.ts';
import { ingestBookingEventFile, ingestBookingSlotsFile } from '../ingest/booking.ts';
import { importFeedFile, type FeedKind } from '../ingest/feeds/index.ts';
import { importReferenceFile } from '../ingest/reference/index.ts';
import type { BuildResult } from '../metrics/build.ts';
import type { Warehouse } from '../warehouse/db.ts';
import { completePendingWork, type Log } from './bootstrap.ts';
import { classifyInboxFile, type InboxKind } from './inbox-kind.ts';
import {
  ensureInbox,
  inboxFolders,
  moveInto,
  PUBLISH_REQUEST,
  publishResultFile,
  readPublishAnswer,
  settledFiles,
  writePublishRequest,
  writeReasons,
  type InboxFile,
  type InboxFolders,
} from './inbox.ts';
import {
  beginRun,
  buildPeriods,
  finishRun,
  markInterruptedRuns,
  recordFile,
  type FileRecord,
  type HistoryDb,
  type RunTotals,
} from './refresh-store.ts';

export const REFRESH_TIME_ZONE = 'Europe/London';

export interface RefreshOptions {
  /** The warehouse; each run opens a connection of its own (`db.connect()`) and closes it at the end. */
  db: Warehouse;
  /** Where the run history is written: the app-state store (docs/adr/0025); absent: the warehouse's tables. */
  state?: HistoryDb | null;
  inboxDir: string;
  /** Cron expression (validated by loadConfig). */
  schedule: string;
  log: Log;
  clock?: Clock;
  /** Time between the two looks at the inbox (default 3 s). */
  settleMs?: number;
  /** A file modified less than this long ago waits for the next run (default 10 s). */
  minAgeMs?: number;
  /** How often the inbox is checked for the CLI's `.refresh-now` (default 2 s). */
  pollMs?: number;
  /** Tests: replaces the wait between the two looks. */
  sleep?: (ms: number) => Promise<void>;
  /** Tests: runs after the files are loaded, before the build (e.g. to hold a run open). */
  beforeBuild?: () => Promise<void>;
  /**
   * Runs each refresh as the deployment's only one (the figure store's advisory lock with PostgreSQL,
   * docs/adr/0026-figure-store.md); `ran: false` skips the run, with the reason logged.
   */
  exclusive?: <T>(fn: () => Promise<T>) => Promise<{ ran: true; value: T } | { ran: false; reason: string }>;
  /**
   * After a run that changed the warehouse (`changedWarehouse`), or any run after one whose `afterRun` failed:
   * on the run's connection and still inside `exclusive`, publishes the figures.
   */
  afterRun?: (conn: Warehouse, summary: RefreshSummary) => Promise<void>;
  /**
   * False while another instance does the refreshes (several instances on one shared inbox): the CLI's
   * `.refresh-now` is then left for that instance to take.
   */
  takesCliRequests?: () => boolean;
  /**
   * Publishes a month (YYYY-MM) on a connection of the warehouse, for the CLI's `.publish-YYYY-MM` while the
   * server holds the warehouse; throws to refuse (the message is the answer). Absent: requests stay untaken.
   */
  publish?: (conn: Warehouse, month: string) => Promise<Omit<PublishAnswer, 'ok' | 'month' | 'error'>>;
}

export interface RefreshSummary {
  runId: number;
  trigger: RefreshTrigger;
  status: RunTotals['status'];
  startedAt: string;
  finishedAt: string;
  millis: number;
  files: FileRecord[];
  rowsLoaded: number;
  rowsRejected: number;
  build: (BuildResult & { firstPeriod: string | null; lastPeriod: string | null }) | null;
  error: string | null;
}

/** Where each kind goes: reference first (areas), then events, then the feeds. */
const KIND_ORDER: InboxKind[] = [
  'reference',
  'events',
  'booking-events',
  'booking-slots',
  'practice-snapshot',
  'integrated-partners',
  'downloads',
  'pomi',
  'mi-publication',
];

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export class RefreshService implements RefreshControl {
  readonly inboxDir: string;
  readonly schedule: string;
  private readonly folders: InboxFolders;
  private readonly clock: Clock;
  private readonly settleMs: number;
  private readonly minAgeMs: number;
  private readonly pollMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private current: { promise: Promise<RefreshSummary>; info: RunningRefresh } | null = null;
  private waiting: {
    trigger: RefreshTrigger;
    promise: Promise<RefreshSummary>;
    resolve: (s: RefreshSummary) => void;
    reject: (e: unknown) => void;
  } | null = null;
  private readonly listeners = new Set<() => void>();
  private cron: Cron | null = null;
  private poller: NodeJS.Timeout | null = null;
  private closed = false;
  /** The last run's `afterRun` (the publish) failed: the next run publishes whatever it changes. */
  private publishOwed = false;
  private started = false;
  /** The end of the last task that writes to the warehouse (a refresh run or a publish): they run one by one. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: RefreshOptions) {
    this.inboxDir = opts.inboxDir;
    this.schedule = opts.schedule;
    this.folders = inboxFolders(opts.inboxDir);
    this.clock = opts.clock ?? systemClock;
    this.settleMs = opts.settleMs ?? 3000;
    this.minAgeMs = opts.minAgeMs ?? 10_000;
    this.pollMs = opts.pollMs ?? 2000;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /**
   * Creates the inbox folders, marks runs a killed process left 'running' as interrupted, and starts the
   * schedule and the watch for `.refresh-now`. (The CLI's own runs call `runNow` without starting.)
   */
  async start(): Promise<void> {
    if (this.started || this.closed) return;
    this.started = true;
    await this.prepare();
    this.cron = new Cron(this.schedule, { timezone: REFRESH_TIME_ZONE, protect: true }, () => {
      this.opts.log(`Scheduled refresh (${this.schedule}, ${REFRESH_TIME_ZONE})`);
      this.request('schedule');
    });
    this.poller = setInterval(() => this.checkTrigger(), this.pollMs);
    this.poller.unref();
    this.checkTrigger();
  }

  private prepared = false;
  private async prepare(): Promise<void> {
    if (this.prepared) return;
    this.prepared = true;
    ensureInbox(this.folders);
    const interrupted = await markInterruptedRuns(this.opts.state ?? this.opts.db);
    if (interrupted > 0)
      this.opts.log(
        `${interrupted} refresh run(s) were interrupted (the process stopped); their files are retried at the next run.`,
      );
  }

  /** The CLI asked for a run by creating `.refresh-now`: take it and run (trigger cli). */
  private checkTrigger(): void {
    if (this.closed || (this.opts.takesCliRequests && !this.opts.takesCliRequests())) return;
    let taken = false;
    try {
      fs.rmSync(this.folders.trigger);
      taken = true;
    } catch {
      // No request.
    }
    if (taken) {
      this.opts.log('Refresh requested from the command line');
      this.request('cli');
    }
    if (!this.opts.publish) return;
    let names: string[] = [];
    try {
      names = fs.readdirSync(this.folders.dir);
    } catch {
      return; // No inbox yet.
    }
    for (const name of names) {
      const month = PUBLISH_REQUEST.exec(name)?.[1];
      if (!month) continue;
      try {
        fs.rmSync(path.join(this.folders.dir, name));
      } catch {
        continue; // Another instance took it.
      }
      this.opts.log(`Publishing ${month} requested from the command line`);
      void this.publishMonth(month);
    }
  }

  /**
   * Asks for a month to be published: the same request file as the CLI's, so that the instance that runs the
   * refreshes takes it (this one, or another on the same inbox). An earlier answer for the month is removed.
   */
  requestPublish(month: string): void {
    writePublishRequest(this.folders.dir, month);
  }

  /** The answer to the last request to publish `month` (its result file), or null while there is none. */
  publishAnswer(month: string): PublishAnswer | null {
    return readPublishAnswer(this.folders.dir, month);
  }

  /** Runs `task` after every earlier refresh run or publish has ended, and before any later one starts. */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * Publishes a month (`opts.publish`) on its own connection, one task at a time with the refreshes and as the
   * deployment's only writer (`exclusive`), and answers in `.publish-YYYY-MM.result.json` for the CLI.
   */
  async publishMonth(month: string): Promise<PublishAnswer> {
    const publish = this.opts.publish;
    let answer: PublishAnswer;
    if (!publish) {
      answer = { ok: false, month, error: 'this server does not publish' };
    } else {
      const job = async () => {
        const conn = await this.opts.db.connect();
        try {
          return await publish(conn, month);
        } finally {
          conn.close();
        }
      };
      try {
        const r = await this.serial(async () =>
          this.opts.exclusive ? this.opts.exclusive(job) : { ran: true as const, value: await job() },
        );
        answer = r.ran
          ? { ok: true, month, ...r.value }
          : { ok: false, month, error: `not published: ${r.reason}` };
      } catch (err) {
        answer = { ok: false, month, error: message(err) };
      }
    }
    this.opts.log(
      answer.ok
        ? `Published ${month} as release ${answer.releaseId ?? '?'} (${(answer.files ?? []).length} files)`
        : `Could not publish ${month}: ${answer.error}`,
    );
    // Written whole, then renamed: the CLI never reads half an answer.
    const file = publishResultFile(this.folders.dir, month);
    try {
      fs.mkdirSync(this.folders.dir, { recursive: true });
      fs.writeFileSync(`${file}.tmp`, JSON.stringify(answer, null, 2));
      fs.renameSync(`${file}.tmp`, file);
    } catch (err) {
      this.opts.log(`Could not write the answer to the publish request (${file}): ${message(err)}`);
    }
    return answer;
  }

  request(trigger: RefreshTrigger): RefreshRequestAnswer {
    const { answer, promise } = this.enqueue(trigger);
    promise.catch(() => undefined);
    return answer;
  }

  /** Runs a refresh (after the one in progress, if any) and resolves with its summary. */
  async runNow(trigger: RefreshTrigger): Promise<RefreshSummary> {
    await this.prepare();
    return this.enqueue(trigger).promise;
  }

  running(): RunningRefresh | null {
    return this.current?.info ?? null;
  }

  queued(): boolean {
    return this.waiting !== null;
  }

  nextScheduled(): Date | null {
    return this.cron?.nextRun() ?? null;
  }

  onFinished(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves when no run is in progress or waiting. */
  async idle(): Promise<void> {
    while (this.current) await this.current.promise.catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cron?.stop();
    this.cron = null;
    if (this.poller) clearInterval(this.poller);
    this.poller = null;
    const w = this.waiting;
    this.waiting = null;
    w?.reject(new Error('the server is stopping: the queued refresh did not run'));
    await this.idle();
    // A publish in progress ends too (it is not queued behind anything once taken).
    await this.tail;
  }

  private enqueue(trigger: RefreshTrigger): {
    answer: RefreshRequestAnswer;
    promise: Promise<RefreshSummary>;
  } {
    if (this.closed) {
      return {
        answer: { status: 'already-queued', running: this.running() },
        promise: Promise.reject(new Error('the refresh service is closed')),
      };
    }
    if (!this.current) return { answer: { status: 'started', running: null }, promise: this.begin(trigger) };
    if (this.waiting) {
      return { answer: { status: 'already-queued', running: this.running() }, promise: this.waiting.promise };
    }
    let resolve!: (s: RefreshSummary) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<RefreshSummary>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => undefined);
    this.waiting = { trigger, promise, resolve, reject };
    return { answer: { status: 'queued', running: this.running() }, promise };
  }

  private begin(trigger: RefreshTrigger): Promise<RefreshSummary> {
    const info: RunningRefresh = { trigger, startedAt: this.clock.now().toISOString() };
    const promise = this.execute(trigger).finally(() => {
      this.current = null;
      for (const l of this.listeners) {
        try {
          l();
        } catch {
          // A listener's failure is not the run's.
        }
      }
      const next = this.waiting;
      this.waiting = null;
      if (next && !this.closed) this.begin(next.trigger).then(next.resolve, next.reject);
      else next?.reject(new Error('the refresh service is closed'));
    });
    this.current = { promise, info };
    return promise;
  }

  private execute(trigger: RefreshTrigger): Promise<RefreshSummary> {
    return this.serial(async () => {
      if (!this.opts.exclusive) return this.runOnce(trigger);
      const r = await this.opts.exclusive(() => this.runOnce(trigger));
      if (r.ran) return r.value;
      this.opts.log(`Refresh (${trigger}) skipped: ${r.reason}.`);
      throw new Error(`refresh skipped: ${r.reason}`);
    });
  }

  private async runOnce(trigger: RefreshTrigger): Promise<RefreshSummary> {
    const log = this.opts.log;
    const startedAt = this.clock.now();
    const t0 = Date.now();
    // The run's own connection: readers on the others keep seeing the last committed figures.
    const conn = await this.opts.db.connect();
    const history = this.opts.state ?? conn;
    try {
      const runId = await beginRun(history, trigger, startedAt);
      log(`Refresh ${runId} started (${trigger}); inbox ${this.inboxDir}`);
      const files: FileRecord[] = [];
      let build: RefreshSummary['build'] = null;
      let error: string | null = null;
      try {
        ensureInbox(this.folders);
        const { ready, waiting } = await settledFiles(this.folders, {
          settleMs: this.settleMs,
          minAgeMs: this.minAgeMs,
          sleep: this.sleep,
          now: () => Date.now(),
        });
        for (const w of waiting) {
          const rec = record(w.file.name, classifyInboxFile(w.file.name).kind, 'waiting', {
            reason: w.reason,
          });
          files.push(rec);
          await recordFile(history, runId, files.length, rec);
          log(`  ${w.file.name}: waits (${w.reason})`);
        }
        const order = (f: InboxFile) => {
          const k = classifyInboxFile(f.name).kind;
          return k === null ? -1 : KIND_ORDER.indexOf(k);
        };
        for (const file of [...ready].sort((a, b) => order(a) - order(b))) {
          const rec = await this.loadFile(conn, file);
          files.push(rec);
          await recordFile(history, runId, files.length, rec);
          log(`  ${describeFile(rec)}`);
        }
        await this.opts.beforeBuild?.();
        const built = await completePendingWork(conn, log, this.clock);
        if (built) build = { ...built, ...(await buildPeriods(conn, built.dataVersion)) };
      } catch (err) {
        error = message(err);
        log(`Refresh ${runId} failed: ${error}. The last good figures stay.`);
      }
      const status: RunTotals['status'] = error
        ? 'failed'
        : files.some((f) => f.outcome === 'rejected')
          ? 'files-rejected'
          : 'succeeded';
      const summary: RefreshSummary = {
        runId,
        trigger,
        status,
        startedAt: startedAt.toISOString(),
        finishedAt: this.clock.now().toISOString(),
        millis: Date.now() - t0,
        files,
        rowsLoaded: files.reduce((a, f) => a + f.rowsLoaded, 0),
        rowsRejected: files.reduce((a, f) => a + f.rowsRejected, 0),
        build,
        error,
      };
      // Publish before the run is recorded and reported as finished: once the history or the log says a run
      // succeeded, its figures are the ones served (a user asking then sees the new data).
      if (this.opts.afterRun && (this.publishOwed || changedWarehouse(summary))) {
        // A publish that fails leaves the last published figures serving; the next run publishes again,
        // whatever it loads.
        try {
          await this.opts.afterRun(conn, summary);
          this.publishOwed = false;
        } catch (err) {
          this.publishOwed = true;
          log(
            `Could not publish the figures after refresh ${runId}: ${message(err)}. The last published figures stay.`,
          );
        }
      } else if (this.opts.afterRun) {
        // Nothing loaded or built: publishing would copy the same figures again (every table, and with
        // PostgreSQL every instance pulling them) and empty every response cache for nothing.
        log(`Refresh ${runId} changed no figures: the published figures stay.`);
      }
      const finishedAt = this.clock.now();
      summary.finishedAt = finishedAt.toISOString();
      summary.millis = Date.now() - t0;
      await finishRun(history, runId, {
        status,
        finishedAt,
        files,
        error,
        build: build && {
          kind: build.incremental ? 'incremental' : 'full',
          firstPeriod: build.firstPeriod,
          lastPeriod: build.lastPeriod,
          figures: build.rows,
          dataVersion: build.dataVersion,
        },
      });
      log(describeRun(summary));
      return summary;
    } finally {
      conn.close();
    }
  }

  /** Loads one file with the importer of its kind and moves it to loaded/ or rejected/. */
  private async loadFile(conn: Warehouse, file: InboxFile): Promise<FileRecord> {
    const cls = classifyInboxFile(file.name);
    const now = this.clock.now();
    const reject = (
      kind: InboxKind | null,
      problems: readonly IngestProblem[],
      total: number,
    ): FileRecord => {
      const moved = moveInto(file.path, this.folders.rejected, now);
      writeReasons(moved, problems, total);
      const first = problems[0];
      return record(file.name, kind, 'rejected', {
        line: first?.line ?? null,
        field: first?.field ?? null,
        reason: total > 1 ? `${first?.reason} (and ${total - 1} more problem(s))` : (first?.reason ?? null),
        movedTo: relative(this.folders.dir, moved),
      });
    };
    if (cls.kind === null) return reject(null, [{ file: file.name, reason: cls.reason }], 1);
    const kind = cls.kind;
    try {
      let rec: FileRecord;
      let partialRejects: { problems: IngestProblem[]; total: number } | null = null;
      if (kind === 'events') {
        const r = await ingestEventFile(conn, file.path, { now: this.clock.now() });
        rec =
          r.status === 'already_loaded'
            ? record(file.name, kind, 'already-loaded', { reason: `already loaded (load ${r.loadId})` })
            : record(file.name, kind, 'loaded', {
                rowsLoaded: r.rowsLoaded,
                rowsRejected: r.rowsRejected,
                line: r.rejects[0]?.line ?? null,
                field: r.rejects[0]?.field ?? null,
                reason: r.rejects[0]?.reason ?? null,
              });
        if (r.rowsRejected > 0)
          partialRejects = {
            problems: r.rejects.map((j) => ({
              file: file.name,
              line: j.line,
              field: j.field,
              reason: j.reason,
            })),
            total: r.rowsRejected,
          };
      } else if (kind === 'booking-events' || kind === 'booking-slots') {
        const load = kind === 'booking-events' ? ingestBookingEventFile : ingestBookingSlotsFile;
        const r = await load(conn, file.path, { now: this.clock.now() });
        rec =
          r.status === 'already_loaded'
            ? record(file.name, kind, 'already-loaded', {
                reason: `already loaded (booking load ${r.loadId})`,
              })
            : record(file.name, kind, 'loaded', { rowsLoaded: r.rowsLoaded });
      } else if (kind === 'reference') {
        const r = await importReferenceFile(conn, file.path);
        rec = r.skipped
          ? record(file.name, kind, 'already-loaded', {
              reason: 'already loaded (same release, same content)',
            })
          : record(file.name, kind, 'loaded', { rowsLoaded: r.rows });
      } else {
        const r = await importFeedFile(conn, kind as FeedKind, file.path);
        rec =
          r.status === 'already_loaded'
            ? record(file.name, kind, 'already-loaded', { reason: `already loaded (load ${r.loadId})` })
            : record(file.name, kind, 'loaded', { rowsLoaded: r.rowsLoaded });
      }
      const moved = moveInto(file.path, this.folders.loaded, now);
      if (partialRejects) writeReasons(moved, partialRejects.problems, partialRejects.total);
      return { ...rec, movedTo: relative(this.folders.dir, moved) };
    } catch (err) {
      if (err instanceof IngestError) return reject(kind, err.problems, err.totalProblems);
      return reject(kind, [{ file: file.name, reason: message(err) }], 1);
    }
  }
}

function record(
  name: string,
  kind: InboxKind | null,
  outcome: FileRecord['outcome'],
  extra: Partial<Omit<FileRecord, 'name' | 'kind' | 'outcome'>> = {},
): FileRecord {
  return {
    name,
    kind,
    outcome,
    rowsLoaded: extra.rowsLoaded ?? 0,
    rowsRejected: extra.rowsRejected ?? 0,
    line: extra.line ?? null,
    field: extra.field ?? null,
    reason: extra.reason ?? null,
    movedTo: extra.movedTo ?? null,
  };
}

const relative = (dir: string, file: string) => path.relative(dir, file).split(path.sep).join('/');

export function describeFile(f: FileRecord): string {
  const what = f.kind ? ` (${f.kind})` : '';
  switch (f.outcome) {
    case 'loaded':
      return (
        `${f.name}${what}: loaded ${f.rowsLoaded} rows` +
        (f.rowsRejected > 0 ? `, ${f.rowsRejected} rows rejected (see ${f.movedTo}.reasons.txt)` : '') +
        ` → ${f.movedTo}`
      );
    case 'already-loaded':
      return `${f.name}${what}: ${f.reason} → ${f.movedTo}`;
    case 'rejected':
      return (
        `${f.name}${what}: rejected` +
        (f.line !== null ? ` line ${f.line}` : '') +
        (f.field !== null ? `, field ${f.field}` : '') +
        `: ${f.reason} → ${f.movedTo} (reasons in ${f.movedTo}.reasons.txt)`
      );
    case 'waiting':
      return `${f.name}${what}: waits (${f.reason})`;
  }
}

/**
 * Whether a run may have changed what the figures are published from: it loaded a file, built, or failed
 * part-way (published anyway, as before, rather than reasoning about what a failure left). Files already
 * loaded, rejected whole or still being written change nothing.
 */
export function changedWarehouse(s: Pick<RefreshSummary, 'files' | 'build' | 'error'>): boolean {
  return s.error !== null || s.build !== null || s.files.some((f) => f.outcome === 'loaded');
}

export function describeRun(s: RefreshSummary): string {
  const count = (o: FileRecord['outcome']) => s.files.filter((f) => f.outcome === o).length;
  const files =
    s.files.length === 0
      ? 'no files in the inbox'
      : `${count('loaded')} file(s) loaded, ${count('already-loaded')} already loaded, ${count('rejected')} rejected, ` +
        `${count('waiting')} waiting; ${s.rowsLoaded} rows loaded, ${s.rowsRejected} rejected`;
  const build = s.error
    ? `failed: ${s.error} (the last good figures stay)`
    : s.build
      ? `${s.build.incremental ? 'recomputed' : 'rebuilt'} ${
          s.build.firstPeriod
            ? s.build.firstPeriod === s.build.lastPeriod
              ? `the period of ${s.build.firstPeriod}`
              : `the periods ${s.build.firstPeriod} to ${s.build.lastPeriod}`
            : 'the figures'
        } (data version ${s.build.dataVersion})`
      : 'no figures changed';
  return `Refresh ${s.runId} (${s.trigger}) ${s.status} in ${(s.millis / 1000).toFixed(1)} s: ${files}; ${build}.`;
}

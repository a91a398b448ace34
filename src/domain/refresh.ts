/**
 * The refresh while serving (issue 10 item 2): what starts a refresh and what the server's pages can ask of
 * the service that runs it (src/app/refresh.ts). Pure types, so that http can talk to the service without
 * importing app.
 */

/** What started a refresh run: the REFRESH_SCHEDULE timer, an admin's "Refresh now", or the CLI. */
export type RefreshTrigger = 'schedule' | 'admin' | 'cli';

export const REFRESH_TRIGGERS: readonly RefreshTrigger[] = ['schedule', 'admin', 'cli'];

/** The answer to a request for a refresh. */
export interface RefreshRequestAnswer {
  /**
   * started: a run starts now; queued: one is running, another follows it when it ends; already-queued: one is
   * running and another is already waiting (requests are coalesced: at most one waits).
   */
  status: 'started' | 'queued' | 'already-queued';
  /** The run in progress when the request came (for queued answers). */
  running: RunningRefresh | null;
}

export interface RunningRefresh {
  trigger: RefreshTrigger;
  /** ISO instant. */
  startedAt: string;
}

/** What the HTTP layer may do with the refresh service. */
export interface RefreshControl {
  /** The inbox folder (shown to admins). */
  readonly inboxDir: string;
  /** The cron expression (Europe/London) of the scheduled refresh. */
  readonly schedule: string;
  /** Asks for a run; never waits for it. */
  request(trigger: RefreshTrigger): RefreshRequestAnswer;
  /** The run in progress, if any. */
  running(): RunningRefresh | null;
  /** Whether a run is waiting for the one in progress to end. */
  queued(): boolean;
  /** The next scheduled run, or null when the schedule is stopped. */
  nextScheduled(): Date | null;
  /** Calls `listener` after every run (committed or failed); returns a function that removes it. */
  onFinished(listener: () => void): () => void;
  /** Stops the schedule and the inbox watch, and waits for a run in progress to commit or roll back. */
  close(): Promise<void>;
  /**
   * Asks the server that runs the refreshes to publish a month (YYYY-MM) of our MI publication (ADR 0069);
   * never waits. Absent where the service cannot publish.
   */
  requestPublish?(month: string): void;
  /** The answer to the last request to publish `month`, or null while there is none. */
  publishAnswer?(month: string): PublishAnswer | null;
}

/** What the server answers a request to publish a month with. */
export interface PublishAnswer {
  ok: boolean;
  month: string;
  /** When ok: the release and its files as archived (DATA_DIR/open-data/<release>/). */
  releaseId?: string;
  files?: string[];
  notes?: string[];
  measures?: string[];
  icbRows?: number;
  /** When not ok: why nothing was published. */
  error?: string;
}

/**
 * The inbox folder the refresh loads from (README "The inbox"): files dropped at its top level; each is moved
 * to `loaded/` once its load commits, or to `rejected/` with `<name>.reasons.txt` beside it. A file still being
 * written (its size or modification time changed between two looks, or modified too recently) waits for the
 * next run. `.refresh-now` is the CLI's request for a run, `.publish-YYYY-MM` its request to publish a month;
 * other dot-files and partial downloads are ignored.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { PublishAnswer } from '../domain/refresh.ts';
import type { IngestProblem } from '../ingest/errors.ts';

export const TRIGGER_FILE = '.refresh-now';

/**
 * The CLI's request to publish a month while the server holds the warehouse (`publish --month`): the file
 * `.publish-YYYY-MM`, taken by the server that runs the refreshes; its answer is `.publish-YYYY-MM.result.json`.
 */
export const PUBLISH_REQUEST = /^\.publish-(\d{4}-(?:0[1-9]|1[0-2]))$/;

export function publishRequestFile(dir: string, month: string): string {
  return path.join(dir, `.publish-${month}`);
}

export function publishResultFile(dir: string, month: string): string {
  return path.join(dir, `.publish-${month}.result.json`);
}

/** Asks for `month` to be published: the request file, any earlier answer for the month removed. */
export function writePublishRequest(dir: string, month: string): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.rmSync(publishResultFile(dir, month), { force: true });
  const request = publishRequestFile(dir, month);
  fs.writeFileSync(request, `${new Date().toISOString()}\n`);
  return request;
}

/** The server's answer to the last request to publish `month`, or null while there is none. */
export function readPublishAnswer(dir: string, month: string): PublishAnswer | null {
  try {
    return JSON.parse(fs.readFileSync(publishResultFile(dir, month), 'utf8')) as PublishAnswer;
  } catch {
    return null;
  }
}

export interface InboxFolders {
  dir: string;
  loaded: string;
  rejected: string;
  /** The CLI's trigger file. */
  trigger: string;
}

export function inboxFolders(dir: string): InboxFolders {
  return {
    dir,
    loaded: path.join(dir, 'loaded'),
    rejected: path.join(dir, 'rejected'),
    trigger: path.join(dir, TRIGGER_FILE),
  };
}

export function ensureInbox(folders: InboxFolders): void {
  for (const d of [folders.dir, folders.loaded, folders.rejected]) fs.mkdirSync(d, { recursive: true });
}

/** Names that are never loaded: dot-files (the trigger, editors' and rsync's temporaries) and partial copies. */
function ignored(name: string): boolean {
  return name.startsWith('.') || name.startsWith('~$') || /\.(part|partial|tmp|crdownload|swp)$/i.test(name);
}

export interface InboxFile {
  name: string;
  path: string;
  size: number;
  mtimeMs: number;
}

/** Regular files at the top of the inbox, by name. */
export function listInbox(folders: InboxFolders): InboxFile[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(folders.dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const files: InboxFile[] = [];
  for (const e of entries) {
    if (!e.isFile() || ignored(e.name)) continue;
    const p = path.join(folders.dir, e.name);
    try {
      const st = fs.statSync(p);
      files.push({ name: e.name, path: p, size: st.size, mtimeMs: st.mtimeMs });
    } catch {
      // Gone between the listing and the look: it is not there.
    }
  }
  return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export interface SettleOptions {
  /** Time between the two looks (ms). */
  settleMs: number;
  /** A file modified less than this long ago waits (ms). */
  minAgeMs: number;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
}

/** Files ready to load (unchanged between two looks and old enough), and those that wait, with why. */
export async function settledFiles(
  folders: InboxFolders,
  opts: SettleOptions,
): Promise<{ ready: InboxFile[]; waiting: { file: InboxFile; reason: string }[] }> {
  const first = listInbox(folders);
  if (first.length === 0) return { ready: [], waiting: [] };
  await opts.sleep(opts.settleMs);
  const second = new Map(listInbox(folders).map((f) => [f.name, f]));
  const now = opts.now();
  const ready: InboxFile[] = [];
  const waiting: { file: InboxFile; reason: string }[] = [];
  for (const f of first) {
    const again = second.get(f.name);
    if (!again) continue;
    if (again.size !== f.size || again.mtimeMs !== f.mtimeMs) {
      waiting.push({
        file: again,
        reason: `still being written (its size or time changed within ${opts.settleMs / 1000} s); loaded at the next run`,
      });
    } else if (now - again.mtimeMs < opts.minAgeMs) {
      waiting.push({
        file: again,
        reason: `modified less than ${opts.minAgeMs / 1000} s ago; loaded at the next run`,
      });
    } else ready.push(again);
  }
  return { ready, waiting };
}

/** Moves a file into `folder`, adding a time stamp to its name when one of that name is already there. */
export function moveInto(file: string, folder: string, now: Date): string {
  const base = path.basename(file);
  let target = path.join(folder, base);
  if (fs.existsSync(target) || fs.existsSync(`${target}.reasons.txt`)) {
    const stamp = now
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
    const dot = base.search(/\.(csv|jsonl|ndjson|json|parquet|xlsx)(\.gz)?$/i);
    const stem = dot > 0 ? base.slice(0, dot) : base;
    const ext = dot > 0 ? base.slice(dot) : '';
    for (let i = 0; fs.existsSync(target); i++) {
      target = path.join(folder, `${stem}.${stamp}${i > 0 ? `-${i}` : ''}${ext}`);
    }
  }
  try {
    fs.renameSync(file, target);
  } catch (err) {
    // Another file system (INBOX_DIR on a mount): copy, then remove.
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    fs.copyFileSync(file, target);
    fs.rmSync(file);
  }
  return target;
}

const csvField = (v: string | number | undefined) => {
  const s = v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

/** Writes `<file>.reasons.txt`: one problem a line as CSV (file, line, field, reason), and how many in all. */
export function writeReasons(file: string, problems: readonly IngestProblem[], total: number): string {
  const target = `${file}.reasons.txt`;
  const lines = ['file,line,field,reason'];
  for (const p of problems)
    lines.push([path.basename(p.file), p.line, p.field, p.reason].map(csvField).join(','));
  if (total > problems.length) lines.push(`# … and ${total - problems.length} more problem(s)`);
  fs.writeFileSync(target, lines.join('\n') + '\n');
  return target;
}

/**
 * Warming a server before it takes traffic, and each figures version once it is swapped in (issue 15.3).
 *
 * The first answer of each kind a process computes pays for compiling its code (the JavaScript of the route,
 * its view and its queries) and for DuckDB's first reads of the tables it touches: measured on the national
 * demo cube, a practice summary took 113 ms the first time in a process and 29 ms for the next practice, a
 * ranking 59 ms against 41 ms, the series of an ICB's practices 83 ms against 38 ms. A new area costs the
 * same as the last one once the process is warm. So `serve` asks for one page or answer of every kind itself,
 * as a signed-in viewer of its own (src/http/access.ts: in-process requests carrying a key drawn at start;
 * no user, no session, no user's rate limit), before it listens, and again in the background after each
 * swap (a new figures file is cold to DuckDB). The answers go to the response cache like any other; the cache
 * is emptied on the next swap as usual.
 */
import type { FastifyInstance } from 'fastify';
import type { Warehouse } from '../warehouse/db.ts';
import * as querySql from '../warehouse/sql/query.ts';

export interface WarmUpResult {
  /** URLs asked for. */
  urls: number;
  /** Of those, answered with something other than 200 (no figures yet, a metric not in the catalogue). */
  notOk: number;
  ms: number;
  /** Why nothing was asked for, when the areas could not be read (no figures published yet). */
  skipped?: string;
}

/**
 * The URLs a warm-up asks for: every page and figure API route the users' traffic reaches, on one area of
 * each level (the lowest current code: any area warms the same code). None when there are no areas.
 */
export async function warmUpUrls(db: Warehouse): Promise<string[]> {
  const rows = await db.all(querySql.warmUpAreas);
  const code = new Map(rows.map((r) => [r.level, encodeURIComponent(r.code)]));
  const practice = code.get('practice');
  const pcn = code.get('pcn');
  const icb = code.get('icb');
  if (!practice || !icb) return [];
  const urls = [
    '/',
    '/?grain=week',
    '/areas',
    `/areas/practice/${practice}`,
    `/areas/practice/${practice}?grain=week`,
    `/areas/icb/${icb}`,
    `/areas/icb/${icb}/partners`,
    `/areas/icb/${icb}/organ-donation`,
    `/areas/icb/${icb}/suppliers`,
    '/map',
    '/data',
    '/rank',
    `/rank?within=icb:${icb}&level=practice`,
    '/api/v1/areas?level=icb',
    // The metric catalogue and one metric: the same for everyone, but the first answer of a process compiles
    // their serialisers (the catalogue 28–42 ms the first time on the national cube, 8–15 ms after).
    '/api/v1/metrics',
    '/api/v1/metrics/logins',
    // A search, and one that finds nothing: the search's keyed names and words are made at the first search
    // (23–30 ms on the shipped reference data, measured), and the suggestions' code is compiled, not for a user.
    '/search?q=north',
    '/api/v1/areas?q=zzzz',
    `/api/v1/areas/practice/${practice}`,
    `/api/v1/series?metric=unique_logins_per_1000&level=practice&code=${practice}&grain=week`,
    `/api/v1/series?metric=logins&level=icb&code=${icb}`,
    `/api/v1/series/areas?metric=logins&level=practice&parent=${icb}`,
    `/api/v1/breakdown?metric=logins&level=icb&code=${icb}`,
    `/api/v1/summary?level=practice&code=${practice}`,
    `/api/v1/ranking?metric=logins&level=practice&within=icb:${icb}`,
    `/api/v1/partners?level=icb&code=${icb}`,
    `/api/v1/organ-donation?level=icb&code=${icb}`,
    `/api/v1/suppliers?level=icb&code=${icb}`,
  ];
  if (pcn) urls.push(`/api/v1/peers?metric=logins&level=pcn&code=${pcn}`);
  // A page of every other level, by month and by week: the peer bands and rates a level's pages rank on are
  // read once per figures version and kept (ADR 0079), so its first user does not wait for them.
  urls.push(`/areas/icb/${icb}?grain=week`);
  for (const level of ['region', 'sub_icb', 'pcn'] as const) {
    const c = code.get(level);
    if (c) urls.push(`/areas/${level}/${c}`, `/areas/${level}/${c}?grain=week`);
  }
  return urls;
}

/**
 * Asks the app for every warm-up URL, one at a time, as the server's own viewer. Never throws: a failed
 * warm-up leaves a cold server, not a broken one.
 */
export async function warmUp(app: FastifyInstance, db: Warehouse): Promise<WarmUpResult> {
  const started = performance.now();
  let urls: string[];
  try {
    urls = await warmUpUrls(db);
  } catch (err) {
    return { urls: 0, notOk: 0, ms: performance.now() - started, skipped: (err as Error).message };
  }
  let notOk = 0;
  try {
    for (const url of urls) {
      const res = await app.inject({ method: 'GET', url, headers: { ...app.warmUpHeaders } });
      if (res.statusCode !== 200) notOk += 1;
    }
  } catch {
    notOk = urls.length;
  }
  return { urls: urls.length, notOk, ms: performance.now() - started };
}

/** The log line of a warm-up. */
export function warmUpLine(what: string, w: WarmUpResult): string {
  if (w.skipped !== undefined) return `Did not warm up the ${what}: ${w.skipped}`;
  return (
    `Warmed up the ${what}: ${w.urls} pages and answers in ${Math.round(w.ms)} ms` +
    (w.notOk > 0 ? ` (${w.notOk} not answered 200)` : '')
  );
}

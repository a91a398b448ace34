/**
 * "See who downloaded what" (user task 15): each file a signed-in person downloads (any answer sent as an
 * attachment: the pages' CSVs, the API's `format=csv`, the publication files) is written to the audit log as
 * `download`, with the address asked for and the file's name. The free-text search of an address (`q`) is left
 * out: what someone typed may be personal. Anonymous downloads are open data and have no "who"; the server's
 * own warm-up has no user. After the response, so a download never waits for the log.
 */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from './deps.ts';
import { authFor } from '../auth/service.ts';

/** Longest address kept in an audit row. */
const MAX_TARGET = 400;

/** The address as the audit log keeps it: path and query, without `q`, at most MAX_TARGET characters. */
export function downloadTarget(url: string): string {
  const u = new URL(url, 'http://localhost');
  u.searchParams.delete('q');
  const query = u.searchParams.toString();
  const target = query ? `${u.pathname}?${query}` : u.pathname;
  return target.length > MAX_TARGET ? `${target.slice(0, MAX_TARGET - 1)}…` : target;
}

export function registerDownloadAudit(app: FastifyInstance, deps: AppDeps): void {
  const auth = authFor(deps);
  app.addHook('onResponse', async (request, reply) => {
    const viewer = request.viewer;
    if (!viewer?.signedIn || viewer.userId === null || reply.statusCode !== 200) return;
    const disposition = String(reply.getHeader('content-disposition') ?? '');
    if (!disposition.startsWith('attachment')) return;
    const file = /filename="([^"]*)"/.exec(disposition)?.[1] ?? 'a file';
    await auth.audit(request, {
      action: 'download',
      target: downloadTarget(request.url),
      outcome: 'success',
      detail: viewer.via === 'token' ? `${file} (API token)` : file,
    });
  });
}

/** What both HTTP benchmarks need of the server under test: its address, its backlog, and areas to ask for. */
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Warehouse } from '../warehouse/db.ts';

/** Starts `app` on a free port of 127.0.0.1, counting requests not yet answered. */
export async function listenForBench(
  app: FastifyInstance,
): Promise<{ base: string; inFlight: () => number; drained: () => Promise<void> }> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  let inFlight = 0;
  app.server.on('request', (_req, res: http.ServerResponse) => {
    inFlight += 1;
    res.once('close', () => (inFlight -= 1));
  });
  return {
    base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    inFlight: () => inFlight,
    // A run's backlog must not slow the next.
    drained: async () => {
      while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 100));
    },
  };
}

/** Up to n current area codes of a level in a fixed pseudo-random order (`salt` gives another order). */
export async function sampleAreaCodes(db: Warehouse, level: string, n: number, salt = ''): Promise<string[]> {
  const rows = await db.all<{ code: string }>(
    `SELECT area_code AS code FROM area WHERE area_level = $1 AND is_current AND area_code <> 'UNKNOWN'
     ORDER BY hash(area_code || $3) LIMIT $2`,
    [level, n, salt],
  );
  return rows.map((r) => r.code);
}

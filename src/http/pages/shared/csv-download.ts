/** CSV downloads of the pages: one way of naming and sending them. */
import type { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';

/**
 * "nhs-app-qe1-icb-logins-month.csv" from its parts and extension: lower case, anything but letters, digits,
 * _ and - as -.
 */
export function downloadFileName(parts: string[], extension: 'csv' | 'svg'): string {
  return `${parts
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')}.${extension}`;
}

export function csvFileName(parts: string[]): string {
  return downloadFileName(parts, 'csv');
}

/** Sends a CSV as a download named `name` (a string, or a stream that app.ts gzips as it goes). */
export function sendCsv(
  reply: FastifyReply,
  name: string,
  body: string | Readable,
  cacheControl: 'no-cache' | 'no-store' = 'no-cache',
): FastifyReply {
  return reply
    .header('Cache-Control', cacheControl)
    .header('Content-Disposition', `attachment; filename="${name}"`)
    .type('text/csv; charset=utf-8')
    .send(body);
}

/**
 * The Official statistics page (issue 12d) over the shipped August 2025 edition: open to everyone, a chart with
 * its figures in a table beside it, areas by month with "no data" for months without a figure, editions and
 * revisions, and bad parameters answered 400/404. Figures checked against the published CSV, read here.
 */
import { parse } from 'csv-parse/sync';
import type { FastifyInstance } from 'fastify';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_MI_DIR } from '../../../ingest/feeds/bundled-mi.ts';
import { formatNumber } from '../../../web/format.ts';
import { buildOfficialApp } from '../../../../test/support/test-apps.ts';

const NATIONAL: Record<string, string>[] = parse(
  fs.readFileSync(path.join(BUNDLED_MI_DIR, 'nhs-app-mi_national_monthly_2025-03_to_2025-08.csv')),
  { columns: true },
);

let official: Awaited<ReturnType<typeof buildOfficialApp>>;
let app: FastifyInstance;
beforeAll(async () => {
  official = await buildOfficialApp();
  ({ app } = official);
}, 60_000);
afterAll(async () => {
  await official?.close();
});

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

describe('GET /official', () => {
  it('shows England by default: chart, the same figures as a table, CSV link, editions; open to everyone', async () => {
    const res = await app.inject('/official');
    expect(res.statusCode).toBe(200);
    const html = res.body;
    expect(html).toContain('<svg');
    const table = html.slice(
      html.indexOf('id="official-table"'),
      html.indexOf('</table>', html.indexOf('id="official-table"')),
    );
    for (const r of NATIONAL) expect(text(table)).toContain(formatNumber(Number(r.NHS_APP_LOGINS)));
    expect(html).toContain('href="/api/v1/official?measure=logins&amp;level=england&amp;format=csv"');
    expect(text(html)).toContain('August 2025 26 September 2025 March 2025 to August 2025');
    expect(text(html)).toContain('No figure of this measure has been revised');
    expect(html).toContain('<form method="get" action="/official"');
  });

  it('ICBs by month, each linking to its own chart; Unknown kept', async () => {
    const res = await app.inject('/official?measure=unique_logins&level=icb');
    expect(res.statusCode).toBe(200);
    expect((res.body.match(/<tr class="nhsuk-table__row" data-code=/g) ?? []).length).toBe(43);
    expect(res.body).toContain('Unknown (not mapped to an ICB)');
    const one = await app.inject('/official?measure=unique_logins&level=icb&code=QE1&from=2025-06');
    expect(one.statusCode).toBe(200);
    const table = one.body.slice(one.body.indexOf('id="official-table"'), one.body.indexOf('id="editions"'));
    expect(
      (table.match(/<th scope="row" class="nhsuk-table__header">(June|July|August) 2025<\/th>/g) ?? [])
        .length,
    ).toBe(3);
  });

  it('a measure the editions do not publish says no data, never 0', async () => {
    const res = await app.inject('/official?measure=registrations&level=england');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('id="official-empty"');
    expect(res.body).not.toContain('id="official-table"');
  });

  it('answers 400 for a bad parameter and 404 for an unknown area', async () => {
    expect((await app.inject('/official?measure=nope')).statusCode).toBe(400);
    expect((await app.inject('/official?from=2025-13')).statusCode).toBe(400);
    expect((await app.inject('/official?from=2025-08&to=2025-03')).statusCode).toBe(400);
    expect((await app.inject('/official?level=icb&code=ZZZ')).statusCode).toBe(404);
  });
});

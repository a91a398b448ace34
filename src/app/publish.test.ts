/**
 * publish (issue 12f): a month written from the computed figures re-imports through the MI importer to exactly
 * the computed figures (checked against metric_value read independently here), the workbook and the CSVs of the
 * month agree, ICB rows + Unknown add up to England, a partial month is refused with nothing written, disclosure
 * control hides small ICB counts, and every release is archived.
 */
import ExcelJS from 'exceljs';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { importMiPublication } from '../ingest/feeds/mi-publication.ts';
import type { Warehouse } from '../warehouse/db.ts';
import { PublishError, publishMonth, serverPublisher } from './publish.ts';
import { RefreshService } from './refresh.ts';
import { askServerToPublish } from '../cli/publish-command.ts';
import { WarehouseQueries } from './warehouse-queries.ts';
import { loadConfig } from '../config.ts';
import { buildApp } from '../http/app.ts';
import { TEST_CLOCK } from '../../test/support/api-warehouse.ts';
import { buildTestWarehouse, type TestWarehouse } from '../../test/support/api-warehouse.ts';
import { sessionCookie } from '../../test/support/signed-in.ts';
import { openWarehouse, tempDir } from '../../test/support/feed-files.ts';

let tw: TestWarehouse;
const tmp = tempDir('publish-');
const MONTH = '2026-10';
const MEASURES = [
  'logins',
  'unique_logins',
  'unique_logins_12m',
  'prescriptions_ordered',
  'users_ordering_prescriptions',
  'registrations',
];

beforeAll(async () => {
  tw = await buildTestWarehouse();
}, 120_000);
afterAll(() => {
  tw?.close();
  tmp.remove();
});

const options = (out: string, disclosure = false) => ({
  month: MONTH,
  outDir: path.join(tmp.dir, out),
  archiveDir: path.join(tmp.dir, 'open-data'),
  disclosure,
  catalogue: tw.catalogue,
  today: '2026-11-21',
});

async function published(w: Warehouse) {
  return w.all<{ level: string; code: string; measure: string; value: number }>(
    `SELECT level, icb_code AS code, measure, value FROM mi_published ORDER BY ALL`,
  );
}

describe('publish', () => {
  it('writes the workbook and both CSVs; re-imported they give exactly the computed figures', async () => {
    const r = await publishMonth(tw.db, options('out1'));
    expect(r.releaseId).toBe(`${MONTH}-1`);
    expect(r.files.map((f) => path.basename(f))).toEqual([
      `nhs-app-analytics-mi_${MONTH}.xlsx`,
      `nhs-app-analytics-mi_${MONTH}_icb.csv`,
      `nhs-app-analytics-mi_${MONTH}_england.csv`,
    ]);
    expect(r.measures).toEqual(MEASURES);

    // The computed figures, read straight from the cube (today's structure); ICBs without activity are 0.
    const icbs = (
      await tw.db.all<{ code: string }>(
        "SELECT area_code AS code FROM area WHERE area_level = 'icb' AND is_current AND area_code <> 'UNKNOWN'",
      )
    ).map((x) => x.code);
    const cube = await tw.db.all<{ level: string; code: string; measure: string; value: number }>(
      `SELECT area_level AS level, area_code AS code, metric_id AS measure, value FROM metric_value
       WHERE structure = 'current' AND grain = 'month' AND period_start = DATE '${MONTH}-01'
         AND area_level IN ('england', 'icb') AND metric_id IN (${MEASURES.map((m) => `'${m}'`).join(',')})`,
    );
    const expected: { level: string; code: string; measure: string; value: number }[] = [];
    for (const measure of MEASURES) {
      const get = (level: string, code: string) =>
        Number(cube.find((c) => c.level === level && c.code === code && c.measure === measure)?.value ?? 0);
      expected.push({ level: 'england', code: 'E92000001', measure, value: get('england', 'E92000001') });
      for (const code of [...icbs, 'UNKNOWN'])
        expected.push({ level: 'icb', code, measure, value: get('icb', code) });
      // Independently: the ICB rows + Unknown add up to England.
      expect([...icbs, 'UNKNOWN'].reduce((s, c) => s + get('icb', c), 0)).toBe(get('england', 'E92000001'));
    }
    const sort = (rows: typeof expected) =>
      [...rows].sort((a, b) =>
        `${a.level}|${a.code}|${a.measure}`.localeCompare(`${b.level}|${b.code}|${b.measure}`),
      );
    expect(expected.some((e) => e.value > 0)).toBe(true);

    const fromWorkbook = await openWarehouse();
    const fromCsv = await openWarehouse();
    try {
      const wb = await importMiPublication(fromWorkbook, r.files[0]!);
      expect(wb.warnings).toEqual([expect.stringMatching(/^this workbook was written by NHS App Analytics/)]);
      expect(sort(await published(fromWorkbook))).toEqual(sort(expected));
      await importMiPublication(fromCsv, r.files[1]!);
      await importMiPublication(fromCsv, r.files[2]!);
      expect(await published(fromCsv)).toEqual(await published(fromWorkbook));
      expect(await fromWorkbook.scalar('SELECT CAST(published_on AS VARCHAR) FROM mi_edition')).toBe(
        '2026-11-21',
      );
    } finally {
      fromWorkbook.close();
      fromCsv.close();
    }
    // The test warehouse holds demo activity (scale 0.5): the workbook says so on its first two sheets.
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(r.files[0]!);
    expect(String(book.getWorksheet('Title Sheet')!.getCell('A4').value)).toMatch(
      /^SYNTHETIC DEMO DATA: computed by NHS App Analytics from generated activity \(scale 0\.5, seed 1\)/,
    );
    expect(String(book.getWorksheet('Data Quality')!.getCell('A3').value)).toMatch(
      /^Synthetic demo data: .* at 0\.5 of England's users/,
    );
    // Archived for /open-data.
    for (const f of r.files)
      expect(fs.existsSync(path.join(tmp.dir, 'open-data', r.releaseId, path.basename(f)))).toBe(true);
  });

  it('keeps every release: publishing the month again is release 2, release 1 untouched', async () => {
    const r = await publishMonth(tw.db, options('out2', true));
    expect(r.releaseId).toBe(`${MONTH}-2`);
    expect(r.notes.join('\n')).toMatch(/Disclosure control/);
    expect(fs.existsSync(path.join(tmp.dir, 'open-data', `${MONTH}-1`))).toBe(true);
    const csv = fs.readFileSync(r.files[1]!, 'utf8').trim().split(/\r?\n/).slice(1);
    for (const line of csv) {
      for (const v of line.split(',').slice(5))
        expect(v === '*' || (Number(v) % 5 === 0 && Number(v) !== 0) || v === '0').toBe(true);
    }
    expect(await tw.db.scalar('SELECT count(*) FROM open_data_release')).toBe(2);
  });

  it('refuses a month that is not complete, writing nothing', async () => {
    const out = path.join(tmp.dir, 'out3');
    await expect(publishMonth(tw.db, { ...options('out3'), month: '2026-11' })).rejects.toThrow(PublishError);
    await expect(publishMonth(tw.db, { ...options('out3'), month: '2026-11' })).rejects.toThrow(
      /2026-11 is not a complete month/,
    );
    expect(fs.existsSync(out)).toBe(false);
  });

  it('publishes while the server holds the warehouse: the CLI asks through the inbox, the server answers', async () => {
    const inbox = path.join(tmp.dir, 'inbox');
    const archiveDir = path.join(tmp.dir, 'open-data');
    const published: number[] = [];
    const logged: string[] = [];
    // The server's refresh service, wired as `serve` wires it; its after-publish step sees the new release.
    const service = new RefreshService({
      db: tw.db,
      inboxDir: inbox,
      schedule: '30 7 * * 3',
      log: (m) => logged.push(m),
      pollMs: 50,
      publish: serverPublisher({
        archiveDir,
        disclosure: false,
        catalogue: tw.catalogue,
        today: () => '2026-11-21',
        afterPublish: async (conn) => {
          published.push(Number(await conn.scalar('SELECT count(*) FROM open_data_release')));
        },
      }),
    });
    await service.start();
    try {
      const before = Number(await tw.db.scalar('SELECT count(*) FROM open_data_release'));
      const out = path.join(tmp.dir, 'out-served');
      const lines: string[] = [];
      expect(await askServerToPublish(inbox, MONTH, out, { waitMs: 60_000, log: (m) => lines.push(m) })).toBe(
        0,
      );
      // The files at --out are the release's, as archived.
      const release = `${MONTH}-${before + 1}`;
      expect(lines.join('\n')).toContain(`Published ${MONTH} as release ${release}`);
      const names = fs.readdirSync(out).sort();
      expect(names).toHaveLength(3);
      for (const n of names)
        expect(fs.readFileSync(path.join(out, n))).toEqual(
          fs.readFileSync(path.join(archiveDir, release, n)),
        );
      expect(published).toEqual([before + 1]);
      // The request and its answer are gone from the inbox; nothing else was loaded from it.
      expect(fs.readdirSync(inbox).filter((f) => f.startsWith('.publish-'))).toEqual([]);
      // A month the server refuses: the CLI says why, and nothing is written.
      await expect(
        askServerToPublish(inbox, '2026-11', path.join(tmp.dir, 'out-refused'), {
          waitMs: 60_000,
          log: () => {},
        }),
      ).rejects.toThrow(/2026-11 is not a complete month/);
      expect(fs.existsSync(path.join(tmp.dir, 'out-refused'))).toBe(false);
      expect(logged.join('\n')).toMatch(/Could not publish 2026-11/);
    } finally {
      await service.close();
    }
  });

  it('/open-data lists every release with its files and notes, and serves the files', async () => {
    const app = await buildApp({
      db: tw.db,
      config: loadConfig({ DATA_DIR: tmp.dir }),
      clock: TEST_CLOCK,
      queries: new WarehouseQueries(tw.db, tw.catalogue),
      catalogue: tw.catalogue,
    });
    try {
      const page = await app.inject('/open-data');
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain(`id="release-${MONTH}-2"`);
      expect(page.body).toContain(`id="release-${MONTH}-1"`);
      expect(page.body).toContain('ICB rows plus Unknown add up to England');
      const file = await app.inject(`/open-data/${MONTH}-1/nhs-app-analytics-mi_${MONTH}_england.csv`);
      expect(file.statusCode).toBe(200);
      expect(file.body).toBe(
        fs.readFileSync(path.join(tmp.dir, 'out1', `nhs-app-analytics-mi_${MONTH}_england.csv`), 'utf8'),
      );
      expect((await app.inject(`/open-data/${MONTH}-1/other.csv`)).statusCode).toBe(404);
      expect((await app.inject(`/open-data/${MONTH}-1/..%2F..%2Fwarehouse.duckdb`)).statusCode).toBe(400);
      // The other open routes (task 17), each answering a visitor who has not signed in.
      const other = page.body.slice(page.body.indexOf('id="other-open-data"'));
      const links = [...other.matchAll(/<a class="nhsuk-link" href="([^"]+)">/g)].map((m) => m[1]!);
      expect(links).toEqual(['/data', '/api/docs', '/dictionary', '/about']);
      for (const href of links) expect((await app.inject(href)).statusCode, href).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('an admin publishes a month from /open-data while the service runs; others cannot', async () => {
    const config = loadConfig({ DATA_DIR: tmp.dir });
    const service = new RefreshService({
      db: tw.db,
      inboxDir: config.inboxDir,
      schedule: config.refreshSchedule,
      log: () => {},
      pollMs: 50,
      publish: serverPublisher({
        archiveDir: path.join(tmp.dir, 'open-data'),
        disclosure: false,
        catalogue: tw.catalogue,
        today: () => '2026-11-21',
      }),
    });
    const deps = {
      db: tw.db,
      config,
      clock: TEST_CLOCK,
      queries: new WarehouseQueries(tw.db, tw.catalogue),
      catalogue: tw.catalogue,
      refresh: service,
    };
    const app = await buildApp(deps);
    await service.start();
    try {
      const admin = await sessionCookie(deps, { role: 'admin' });
      const viewer = await sessionCookie(deps, { role: 'viewer' });
      const before = Number(await tw.db.scalar('SELECT count(*) FROM open_data_release'));
      // Visitors and viewers see the releases, not the form.
      expect((await app.inject('/open-data')).body).not.toContain('id="publish-form"');
      expect((await app.inject({ url: '/open-data', headers: { cookie: viewer } })).body).not.toContain(
        'id="publish-form"',
      );
      const page = await app.inject({ url: '/open-data', headers: { cookie: admin } });
      expect(page.body).toContain('id="publish-form"');
      // The clock says 21 November 2026: October is the first month offered.
      expect(page.body).toMatch(
        /<select[^>]*id="publish-month"[^>]*>\s*<option value="2026-10">October 2026</,
      );
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
      const post = (cookie: string, form: Record<string, string>) =>
        app.inject({
          method: 'POST',
          url: '/open-data/publish',
          headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams(form).toString(),
        });
      expect((await post(viewer, { month: MONTH, _csrf: csrf })).statusCode).toBe(403);
      expect((await post(admin, { month: MONTH })).statusCode).toBe(403); // no CSRF token
      expect((await post(admin, { month: '2026-13', _csrf: csrf })).statusCode).toBe(400);
      const asked = await post(admin, { month: MONTH, _csrf: csrf });
      expect([asked.statusCode, asked.headers.location]).toEqual([303, `/open-data?requested=${MONTH}`]);
      // Until the server answers the page says it is on its way; then it names the release, listed below.
      const status = async () =>
        (await app.inject({ url: `/open-data?requested=${MONTH}`, headers: { cookie: admin } })).body;
      const release = `${MONTH}-${before + 1}`;
      await vi.waitFor(async () => expect(await status()).toContain(`as release ${release}`), {
        timeout: 30_000,
        interval: 100,
      });
      const done = await status();
      expect(done).toContain(`Published October 2026 as release ${release}: its files are listed below.`);
      expect(done).toContain(`id="release-${release}"`);
      // A month the server refuses says why.
      await post(admin, { month: '2026-11', _csrf: csrf });
      await vi.waitFor(
        async () =>
          expect(
            (await app.inject({ url: '/open-data?requested=2026-11', headers: { cookie: admin } })).body,
          ).toContain('November 2026 was not published: 2026-11 is not a complete month'),
        { timeout: 30_000, interval: 100 },
      );
    } finally {
      await app.close();
      await service.close();
    }
  });
});

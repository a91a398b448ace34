import { describe, expect, it } from 'vitest';
import type { IngestError } from '../errors.ts';
import { importIntegratedPartners, splitCieJumpOff } from './integrated-partners.ts';
import { days, feedCounts, feedTest, rejection, writeCsv } from '../../../test/support/feed-files.ts';

const feed = feedTest('feed-partners-');

const HEADER = 'Date,OdsCode,Provider,JumpOff,Clicks';

/** A week of jump-offs at two practices, with the real provider names and a legacy Cie jump-off. */
function week(first: string, factor = 1): string[] {
  const rows: string[] = [];
  days(first, 7).forEach((day, d) => {
    rows.push(`${day},A81001,Patients Know Best,messages,${(12 + d) * factor}`);
    rows.push(`${day},A81001,Patients Know Best,messagesCie,${(2 + d) * factor}`);
    rows.push(`${day},A81001,the Department of Health and Social Care,vaccineRecord,${(30 + d) * factor}`);
    rows.push(`${day},B82005,"Engage Health Systems Limited",admin,${(5 + d) * factor}`);
    rows.push(`${day},B82005,Substrakt Health,patientParticipationGroups,${d * factor}`);
  });
  return rows;
}

describe('splitCieJumpOff', () => {
  it('splits the legacy Cie variant', () => {
    expect(splitCieJumpOff('messagesCie')).toEqual({ service: 'messages', isCie: true });
    expect(splitCieJumpOff('testResultsCie')).toEqual({ service: 'testResults', isCie: true });
    expect(splitCieJumpOff('messages')).toEqual({ service: 'messages', isCie: false });
    expect(splitCieJumpOff('Cie')).toEqual({ service: 'Cie', isCie: false });
  });
});

describe('importIntegratedPartners', () => {
  it('loads a weekly file, flags Cie jump-offs and sums duplicate rows', async () => {
    const rows = week('2025-03-03');
    // The real feed can repeat a key: those rows are summed (as the NHS pipeline did).
    rows.push('2025-03-03,A81001,Patients Know Best,messages,100');
    const file = writeCsv(feed.dir, 'WeeklyIntegratedPartners_NHSApp_Counts_20250309.csv.gz', [
      HEADER,
      ...rows,
    ]);
    const r = await importIntegratedPartners(feed.db, file);
    expect(r).toMatchObject({
      kind: 'integrated-partners',
      fileKind: 'weekly',
      status: 'loaded',
      rowsRead: 36,
      rowsLoaded: 35,
      firstDate: '2025-03-03',
      lastDate: '2025-03-09',
      periods: 7,
      warnings: [],
    });
    expect(r.notes.join('\n')).toContain(
      '1 row repeated an earlier (Date, OdsCode, Provider, JumpOff) and was summed',
    );
    const summed = await feed.db.one(
      "SELECT clicks, source_rows FROM feed_partner_daily WHERE date = DATE '2025-03-03' AND practice_code = 'A81001' AND jump_off = 'messages'",
    );
    expect(summed).toEqual({ clicks: 112, source_rows: 2 });
    const cie = await feed.db.all(
      "SELECT jump_off, service, is_cie FROM feed_partner_daily WHERE date = DATE '2025-03-04' AND provider = 'Patients Know Best' ORDER BY jump_off",
    );
    expect(cie).toEqual([
      { jump_off: 'messages', service: 'messages', is_cie: false },
      { jump_off: 'messagesCie', service: 'messages', is_cie: true },
    ]);
    expect(await feed.db.scalar('SELECT sum(clicks) FROM feed_partner_daily')).toBe(
      rows.reduce((s, l) => s + Number(l.split(',').at(-1)), 0),
    );
  });

  it('loading the same file twice is a no-op', async () => {
    const file = writeCsv(feed.dir, 'WeeklyIntegratedPartners_NHSApp_Counts_20250316.csv', [
      HEADER,
      ...week('2025-03-10'),
    ]);
    await importIntegratedPartners(feed.db, file);
    const before = await feedCounts(feed.db);
    expect((await importIntegratedPartners(feed.db, file)).status).toBe('already_loaded');
    expect(await feedCounts(feed.db)).toEqual(before);
  });

  it('rejects bad rows naming line and field, and leaves the warehouse unchanged', async () => {
    await importIntegratedPartners(
      feed.db,
      writeCsv(feed.dir, 'WeeklyIntegratedPartners_NHSApp_Counts_20250323.csv', [
        HEADER,
        ...week('2025-03-17'),
      ]),
    );
    const before = await feedCounts(feed.db);
    const rows = week('2025-03-24');
    rows[0] = rows[0]!.replace(/,12$/, ','); // line 2: blank Clicks
    rows[3] = rows[3]!.replace('Engage Health Systems Limited', ''); // line 5: blank Provider
    rows[7] = rows[7]!.replace(/,\d+$/, ',-1'); // line 9: negative Clicks
    rows[8] = rows[8]!.replace(/^2025-03-25/, '25/13/2025'); // line 10: bad date
    const err = (await rejection(
      importIntegratedPartners(
        feed.db,
        writeCsv(feed.dir, 'WeeklyIntegratedPartners_NHSApp_Counts_20250330.csv', [HEADER, ...rows]),
      ),
    )) as unknown as IngestError;
    expect(err.problems.map((p) => [p.line, p.field])).toEqual([
      [2, 'Clicks'],
      [5, 'Provider'],
      [9, 'Clicks'],
      [10, 'Date'],
    ]);
    expect(err.message).toContain('line 9, field Clicks: -1 is negative');
    expect(err.message).toContain('line 10, field Date: "25/13/2025" is not a valid calendar date');
    expect(await feedCounts(feed.db)).toEqual(before);
  });

  it('a corrected re-delivery replaces the days it covers; a short week is a warning', async () => {
    const first = await importIntegratedPartners(
      feed.db,
      writeCsv(feed.dir, 'WeeklyIntegratedPartners_NHSApp_Counts_20250406.csv', [
        HEADER,
        ...week('2025-03-31'),
      ]),
    );
    const corrected = week('2025-03-31', 10).filter((r) => r.startsWith('2025-04-06'));
    const r = await importIntegratedPartners(
      feed.db,
      writeCsv(feed.dir, 'WeeklyIntegratedPartners_NHSApp_Counts_20250406_v2.csv', [HEADER, ...corrected]),
    );
    expect(r.replaced).toEqual({ periods: ['2025-04-06'], rows: 5, loadIds: [first.loadId] });
    expect(r.warnings.join('\n')).toContain('1 distinct date from 2025-04-06 to 2025-04-06');
    expect(
      await feed.db.scalar("SELECT sum(clicks) FROM feed_partner_daily WHERE date = DATE '2025-04-06'"),
    ).toBe(corrected.reduce((s, l) => s + Number(l.split(',').at(-1)), 0));
    expect(await feed.db.scalar('SELECT count(*) FROM feed_partner_daily')).toBe(35);
  });
});

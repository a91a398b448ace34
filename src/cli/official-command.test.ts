/**
 * `query official` gives the API's rows (issue 12c), and `query breakdown` leaves a period with no data empty
 * instead of printing 0 for every region. Through the CLI query command on a fresh DATA_DIR (the shipped
 * reference data and MI edition load at first start).
 */
import { parse } from 'csv-parse/sync';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BUNDLED_MI_DIR } from '../ingest/feeds/bundled-mi.ts';
import { loadConfig } from '../config.ts';
import { runQuery } from './query-command.ts';

/** `query WHAT --name value …` as main() parses it (main.ts runs on import, so it is not imported here). */
function main(argv: string[]): Promise<number> {
  const [, what, ...rest] = argv;
  const values: Record<string, string> = {};
  for (let i = 0; i < rest.length; i += 2) values[rest[i]!.replace(/^--/, '')] = rest[i + 1]!;
  return runQuery(loadConfig(), [what!], values);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-official-'));
const saved = process.env.DATA_DIR;
beforeAll(() => {
  process.env.DATA_DIR = dir;
});
afterAll(() => {
  if (saved === undefined) delete process.env.DATA_DIR;
  else process.env.DATA_DIR = saved;
  fs.rmSync(dir, { recursive: true, force: true });
});

async function run(...argv: string[]): Promise<string> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    expect(await main(argv)).toBe(0);
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe('nhs-app-analytics query official', () => {
  it('prints the official rows as CSV and JSON, the same figures as the published CSV', async () => {
    const csv = await run('query', 'official', '--measure', 'logins', '--level', 'icb', '--code', 'QF7');
    const rows: Record<string, string>[] = parse(csv, { columns: true });
    expect(Object.keys(rows[0]!)).toEqual(['month', 'level', 'code', 'name', 'measure', 'value', 'edition']);
    const published: Record<string, string>[] = parse(
      fs.readFileSync(path.join(BUNDLED_MI_DIR, 'nhs-app-mi_icb_monthly_2025-03_to_2025-08.csv')),
      { columns: true },
    );
    expect(rows.map((r) => [r.month, r.value])).toEqual(
      published.filter((r) => r.ICB_ODS_CODE === 'QF7').map((r) => [r.MONTH!.slice(0, 7), r.NHS_APP_LOGINS]),
    );
    const json = JSON.parse(
      await run(
        'query',
        'official',
        '--measure',
        'unique_logins',
        '--level',
        'england',
        '--from',
        '2025-08',
        '--format',
        'json',
      ),
    );
    expect(json.data).toEqual([
      {
        month: '2025-08',
        level: 'england',
        code: 'E92000001',
        name: 'England',
        measure: 'unique_logins',
        value: 12249763,
        edition: '2025-08',
      },
    ]);
  }, 180_000);

  it('rejects a bad measure or level clearly', async () => {
    await expect(main(['query', 'official', '--measure', 'nope', '--level', 'england'])).rejects.toThrow(
      /--measure must be one of logins, /,
    );
    await expect(main(['query', 'official', '--measure', 'logins', '--level', 'pcn'])).rejects.toThrow(
      /--level must be england, region or icb/,
    );
  });

  it('query demographics prints the FOI rows as CSV and JSON; a month not published is refused', async () => {
    const file: Record<string, string>[] = parse(
      fs.readFileSync(path.join(BUNDLED_MI_DIR, 'nhs-app-foi_logins_by_ageband_2025-03_to_2025-05.csv')),
      { columns: true },
    );
    const rows: Record<string, string>[] = parse(await run('query', 'demographics', '--month', '2025-05'), {
      columns: true,
    });
    expect(
      rows
        .filter((r) => r.breakdown === 'age')
        .map((r) => [r.group, r.logins, r.uniqueUsers])
        .sort(),
    ).toEqual(
      file
        .filter((r) => r.MONTH === '2025-05-01')
        .map((r) => [r.AGE_GROUP, r.NHS_APP_LOGINS, r.NHS_APP_UNIQUE_USER_LOGINS])
        .sort(),
    );
    expect(rows.filter((r) => r.breakdown === 'imd').length).toBe(11);
    const json = JSON.parse(await run('query', 'demographics', '--format', 'json')) as {
      months: string[];
      data: unknown[];
    };
    expect(json.months).toEqual(['2025-03', '2025-04', '2025-05']);
    expect(json.data.length).toBe(3 * rows.length);
    await expect(main(['query', 'demographics', '--month', '2024-01'])).rejects.toThrow(
      'no figures for 2024-01: the months published are 2025-03, 2025-04, 2025-05',
    );
    await expect(main(['query', 'demographics', '--month', 'May'])).rejects.toThrow(
      '--month must be a month like 2025-05, got "May"',
    );
  });
});

describe('nhs-app-analytics query breakdown: no data is not zero', () => {
  it('a period without any figure prints every region with an empty value, not 0', async () => {
    const csv = await run(
      'query',
      'breakdown',
      '--metric',
      'logins',
      '--level',
      'england',
      '--period',
      '2025-03-01',
    );
    const rows: Record<string, string>[] = parse(csv, { columns: true });
    expect(rows.length).toBeGreaterThanOrEqual(7);
    for (const r of rows) {
      expect(r.value).toBe('');
      expect(r.share_of_parent).toBe('');
    }
  }, 180_000);
});

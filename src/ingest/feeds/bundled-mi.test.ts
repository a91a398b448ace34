import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../warehouse/db.ts';
import { bundledMiFiles, loadBundledMi } from './bundled-mi.ts';
import { openWarehouse } from '../../../test/support/feed-files.ts';

let db: Warehouse;
beforeEach(async () => {
  db = await openWarehouse();
});
afterEach(() => db.close());

describe('the shipped NHS App MI editions (issue 12b)', () => {
  it('are the workbook and its two CSV extracts, not the FOI extracts', () => {
    expect(bundledMiFiles().map((f) => f.split('/').pop())).toEqual([
      'nhs-app-mi_august-2025.xlsx',
      'nhs-app-mi_icb_monthly_2025-03_to_2025-08.csv',
      'nhs-app-mi_national_monthly_2025-03_to_2025-08.csv',
    ]);
  });

  it('load once, giving real national and ICB figures; a second start loads nothing', async () => {
    const first = await loadBundledMi(db);
    expect(first.map((r) => r.fileKind)).toEqual(['workbook', 'icb-csv', 'national-csv']);
    // The August 2025 edition's published England figures (Table 1 of the workbook, as published).
    expect(
      await db.all(
        "SELECT measure, value FROM mi_published WHERE level = 'england' AND month = DATE '2025-08-01' ORDER BY measure",
      ),
    ).toEqual([
      { measure: 'logins', value: 54342814 },
      { measure: 'unique_logins', value: 12249763 },
    ]);
    expect(await db.scalar("SELECT count(DISTINCT icb_code) FROM mi_published WHERE level = 'icb'")).toBe(43);
    const loads = await db.scalar('SELECT count(*) FROM feed_load');
    expect(await loadBundledMi(db)).toEqual([]);
    expect(await db.scalar('SELECT count(*) FROM feed_load')).toBe(loads);
  });
});

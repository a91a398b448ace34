import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../metrics/catalogue.ts';
import { absentMeansZero, figureOrAbsent, pickerLabel } from './no-data.ts';

describe('no data is not zero (issue 11)', () => {
  const catalogue = loadCatalogue();
  const metric = (id: string) => catalogue.find((m) => m.id === id)!;

  it('a missing figure is 0 only for counts and users from events (and their running totals)', () => {
    for (const id of ['logins', 'unique_logins', 'unique_logins_12m', 'registrations_cumulative'])
      expect(absentMeansZero(metric(id)), id).toBe(true);
    for (const id of [
      'snapshot_logins',
      'partner_jump_off_clicks',
      'downloads',
      'pomi_patients_enabled',
      'patients_all',
      'pomi_patients_enabled_pct',
      'registered_pct_13plus',
    ])
      expect(absentMeansZero(metric(id)), id).toBe(false);
  });

  it('keeps stored figures, and turns a missing one into 0 or null by that rule', () => {
    expect(figureOrAbsent(metric('snapshot_logins'), 0)).toBe(0);
    expect(figureOrAbsent(metric('snapshot_logins'), null)).toBeNull();
    expect(figureOrAbsent(metric('downloads'), undefined)).toBeNull();
    expect(figureOrAbsent(metric('logins'), null)).toBe(0);
    expect(figureOrAbsent(metric('logins'), 12)).toBe(12);
  });

  it('marks picker labels of metrics with no figures for the selection', () => {
    const withFigures = new Set(['logins']);
    expect(pickerLabel('Logins', 'logins', withFigures)).toBe('Logins');
    expect(pickerLabel('Downloads', 'downloads', withFigures)).toBe('Downloads (no data)');
    expect(pickerLabel('Downloads', 'downloads', null)).toBe('Downloads');
  });
});

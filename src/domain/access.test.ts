import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../metrics/catalogue.ts';
import { ANONYMOUS_VIEWER, canViewFigure, isOpenFigure, isOpenMetric } from './access.ts';

const catalogue = loadCatalogue();
const metric = (id: string) => catalogue.find((m) => m.id === id)!;

describe('the open-data rule (issue 11: rates and list sizes of open figures are open)', () => {
  it('opens MI metrics, list sizes, their running totals and their rates per patients aged 13+', () => {
    const open = catalogue.filter((m) => isOpenMetric(m, catalogue)).map((m) => m.id);
    // Worked out by hand from metrics/*.yaml: the six MI counts, the two list sizes, running totals of MI
    // counts, and ratios of those to patients aged 13+.
    expect(open.sort()).toEqual(
      [
        'logins',
        'prescriptions_ordered',
        'registrations',
        'unique_logins',
        'unique_logins_12m',
        'users_ordering_prescriptions',
        'patients_13plus',
        'patients_all',
        'logins_cumulative',
        'registrations_cumulative',
        'logins_per_1000',
        'logins_cumulative_per_1000',
        'registrations_per_1000',
        'unique_logins_per_1000',
        'users_ordering_prescriptions_per_1000',
        'registered_pct_13plus',
      ].sort(),
    );
  });

  it('keeps other rates, feeds and stored ratios restricted', () => {
    for (const id of [
      'appointments_cancelled_per_1000',
      'users_booking_appointments_per_1000',
      'pomi_patients_enabled_pct',
      'registrations_non_pol_cumulative_pct',
      'snapshot_logins',
      'downloads',
    ]) {
      expect(isOpenMetric(metric(id), catalogue), id).toBe(false);
    }
  });

  it('opens them for England, regions and ICBs by month only; without the catalogue rates stay closed', () => {
    const rate = metric('registered_pct_13plus');
    const at = (
      level: 'england' | 'region' | 'icb' | 'sub_icb' | 'pcn' | 'practice',
      grain: 'week' | 'month',
    ) => canViewFigure(ANONYMOUS_VIEWER, { metric: rate, level, grain, catalogue });
    expect([at('england', 'month'), at('region', 'month'), at('icb', 'month')]).toEqual([true, true, true]);
    expect([at('sub_icb', 'month'), at('pcn', 'month'), at('practice', 'month'), at('icb', 'week')]).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(isOpenFigure({ metric: rate, level: 'icb', grain: 'month' })).toBe(false);
    expect(isOpenFigure({ metric: metric('patients_13plus'), level: 'icb', grain: 'month' })).toBe(true);
    // A catalogue given as a map by id works the same.
    const byId = new Map(catalogue.map((m) => [m.id, m]));
    expect(isOpenFigure({ metric: rate, level: 'icb', grain: 'month', catalogue: byId })).toBe(true);
  });
});

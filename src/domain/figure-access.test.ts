import { describe, expect, it } from 'vitest';
import { ANONYMOUS_VIEWER, OPERATOR_VIEWER, type OpenMetricRef, type Viewer } from './access.ts';
import { FigureAccess, RestrictedFigureError } from './figure-access.ts';

const STAFF: Viewer = { signedIn: true, role: 'viewer', userId: 'u1', via: 'token' };
const catalogue: (OpenMetricRef & { id: string })[] = [
  { id: 'logins', mi_publication: true, unit: 'events' },
  { id: 'record_views', mi_publication: false, unit: 'events' },
  { id: 'patients_13plus', mi_publication: false, source: 'list_sizes', unit: 'patients' },
  {
    id: 'logins_per_1000',
    mi_publication: false,
    aggregation: 'ratio',
    numerator: 'logins',
    denominator: 'patients_13plus',
    unit: 'per_1000',
  },
  {
    id: 'pomi_pct',
    mi_publication: false,
    aggregation: 'ratio',
    numerator: 'pomi_enabled',
    denominator: 'pomi_list_size',
    unit: 'percent',
  },
];
const [logins, records, , rate] = catalogue as [OpenMetricRef, OpenMetricRef, OpenMetricRef, OpenMetricRef];

describe('FigureAccess', () => {
  it('lets visitors see open metrics monthly for England, regions and ICBs only; staff everything', () => {
    const visitor = new FigureAccess(ANONYMOUS_VIEWER, { catalogue, disclosure: false });
    expect(visitor.canSee(logins, 'icb', 'month')).toBe(true);
    expect(visitor.canSee(rate, 'region', 'month')).toBe(true);
    expect(visitor.canSee(logins, 'sub_icb', 'month')).toBe(false);
    expect(visitor.canSee(logins, 'icb', 'week')).toBe(false);
    expect(visitor.canSee(records, 'england', 'month')).toBe(false);
    expect(() => visitor.require(records, 'england', 'month')).toThrow(RestrictedFigureError);
    expect(() => visitor.requirePage('practice', 'month')).toThrow(/local areas/);
    expect(() => visitor.requirePage('icb', 'week')).toThrow(/weekly/);
    for (const viewer of [STAFF, OPERATOR_VIEWER]) {
      const a = new FigureAccess(viewer, { catalogue, disclosure: true });
      expect(a.canSee(records, 'practice', 'week')).toBe(true);
      expect(() => a.requirePage('practice', 'week')).not.toThrow();
    }
  });

  it('discloses counts below England to visitors only, and only when configured', () => {
    const on = new FigureAccess(ANONYMOUS_VIEWER, { catalogue, disclosure: true });
    expect(on.count(3, 'events', 'icb')).toEqual({ suppressed: true, value: null });
    expect(on.count(12, 'users', 'icb')).toEqual({ suppressed: false, value: 10 });
    expect(on.count(12, 'events', 'england')).toEqual({ suppressed: false, value: 12 });
    expect(on.count(12.5, 'per_1000', 'icb')).toEqual({ suppressed: false, value: 12.5 });
    expect(on.discloser('events', 'icb')!(13)).toBe(15);
    expect(on.discloser('events', 'england')).toBeNull();
    const off = new FigureAccess(ANONYMOUS_VIEWER, { catalogue, disclosure: false });
    expect(off.count(3, 'events', 'icb')).toEqual({ suppressed: false, value: 3 });
    const staff = new FigureAccess(STAFF, { catalogue, disclosure: true });
    expect(staff.count(3, 'events', 'icb')).toEqual({ suppressed: false, value: 3 });
    expect(staff.discloser('events', 'icb')).toBeNull();
  });

  it('calls a figure shared (cacheable for all) only when it is open and not disclosure-controlled', () => {
    for (const viewer of [ANONYMOUS_VIEWER, STAFF]) {
      const on = new FigureAccess(viewer, { catalogue, disclosure: true });
      expect(on.isShared(logins, 'england', 'month', 'events')).toBe(true);
      expect(on.isShared(logins, 'icb', 'month', 'events')).toBe(false);
      // A rate of a count below England reaches visitors from the disclosed count, staff exact (ADR 0061).
      expect(on.isShared(rate, 'icb', 'month', 'per_1000')).toBe(false);
      expect(on.isShared(rate, 'england', 'month', 'per_1000')).toBe(true);
      expect(on.isShared(records, 'england', 'month', 'events')).toBe(false);
      const off = new FigureAccess(viewer, { catalogue, disclosure: false });
      expect(off.isShared(logins, 'icb', 'month', 'events')).toBe(true);
      expect(off.isShared(rate, 'icb', 'month', 'per_1000')).toBe(true);
      expect(off.isShared(logins, 'icb', 'week', 'events')).toBe(false);
    }
  });

  it('works rates of counts out from the disclosed counts for visitors below England only (ADR 0061)', () => {
    const on = new FigureAccess(ANONYMOUS_VIEWER, { catalogue, disclosure: true });
    expect(on.disclosesRate(rate, 'icb')).toBe(true);
    expect(on.disclosesRate(rate, 'region')).toBe(true);
    expect(on.disclosesRate(rate, 'england')).toBe(false);
    // Not a rate over patients, or not a rate at all.
    expect(on.disclosesRate(catalogue[4]!, 'icb')).toBe(false);
    expect(on.disclosesRate(logins, 'icb')).toBe(false);
    // A numerator the catalogue does not know is taken for a count.
    const unknown = { ...rate, numerator: 'not_in_catalogue' };
    expect(on.disclosesRate(unknown, 'icb')).toBe(true);
    expect(new FigureAccess(STAFF, { catalogue, disclosure: true }).disclosesRate(rate, 'icb')).toBe(false);
    expect(
      new FigureAccess(ANONYMOUS_VIEWER, { catalogue, disclosure: false }).disclosesRate(rate, 'icb'),
    ).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { withRates, type DemographicsAnswer } from '../../../query/demographics.ts';
import { buildDemographicsView } from './view.ts';

const row = (group: string, users: number, band: string | null, patients: number | null) => ({
  month: '2025-05',
  breakdown: 'age' as const,
  group,
  logins: users * 4,
  uniqueUsers: users,
  populationBand: band,
  patients,
});

const answer: DemographicsAnswer = {
  source: 'FOI-2507-2241508',
  months: ['2025-04', '2025-05'],
  patientsExtract: '2026-08-01',
  rows: withRates([
    row('13 to 14', 2, '13 to 14', 1000),
    row('15 to 19', 300, '15 to 19', 1000),
    row('20 to 24', 50, '20 to 24', null),
    row('95 to 99', 20, '95+', 400),
    row('100+', 4, '95+', 400),
    row('Unknown', 9, null, null),
  ]),
};

describe('the Who uses the App view', () => {
  const view = buildDemographicsView({ answer, month: '2025-05' });

  it('adds 95 to 99 and 100+ into one row, over the patients of 95 and over', () => {
    expect(view.ageRows.map((r) => [r.group, r.per1000, r.users, r.patients])).toEqual([
      ['13 to 14', '2.0', '2', '1,000'],
      ['15 to 19', '300.0', '300', '1,000'],
      ['20 to 24', 'no data', '50', 'no data'],
      ['95 and over', '60.0', '24', '400'],
      ['Unknown', 'not applicable', '9', 'not applicable'],
    ]);
  });

  it('names the age groups with the most and the fewest users per 1,000, leaving out those without patients', () => {
    expect(view.ageSummary).toBe(
      'In May 2025, 300 in every 1,000 registered patients aged 15 to 19 logged in to the NHS App at least once, the most of any age group; 2 in every 1,000 aged 13 to 14, the fewest.',
    );
    expect(view.unknownAgeUsers).toBe('9');
  });

  it('offers the months newest first, the one shown selected, and links its CSV', () => {
    expect(view.monthItems).toEqual([
      { value: '2025-05', text: 'May 2025', selected: true },
      { value: '2025-04', text: 'April 2025', selected: false },
    ]);
    expect(view.csvHref).toBe('/api/v1/official/demographics?month=2025-05&format=csv');
    expect(view.decileChart).toBeNull();
  });

  it('checks the totals against the MI publication: agreed, not agreed, or nothing to compare with', () => {
    // Hand-made rows: ages add up to 385 users and 1,540 logins; there are no deciles (0 and 0).
    const check = (official?: { users: number | null; logins: number | null }) =>
      buildDemographicsView({ answer, month: '2025-05', ...(official ? { official } : {}) }).totals;
    expect(check({ users: 385, logins: 1540 })).toMatchObject({ agrees: false });
    expect(check({ users: 385, logins: 1540 }).text).toBe(
      'The NHS App Management Information publication gives England 385 users and 1,540 logins in May 2025; the age groups add up to 385 users and 1,540 logins, the deciles to 0 users and 0 logins.',
    );
    expect(check()).toMatchObject({ agrees: null });
    expect(check({ users: null, logins: 1 }).text).toContain('is not loaded to compare them with');
    const both: DemographicsAnswer = {
      ...answer,
      rows: [...answer.rows, ...answer.rows.map((r) => ({ ...r, breakdown: 'imd' as const }))],
    };
    expect(
      buildDemographicsView({ answer: both, month: '2025-05', official: { users: 385, logins: 1540 } })
        .totals,
    ).toEqual({
      agrees: true,
      text: 'Checked: the age groups and the deciles each add up to England’s 385 users and 1,540 logins of May 2025 in the NHS App Management Information publication.',
    });
  });
});

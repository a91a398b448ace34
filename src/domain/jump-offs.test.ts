import { describe, expect, it } from 'vitest';
import { jumpOffServiceLabel } from './jump-offs.ts';

describe('jumpOffServiceLabel', () => {
  it('reads the jump-off names of the feed in sentence case, as the original workbook did', () => {
    // The names of ../shared/nhs-app-data-notes.md (M162–M182), worked by hand.
    const cases: [string, string][] = [
      ['onlineConsultation', 'Online consultation'],
      ['manageYourReferral', 'Manage your referral'],
      ['testResults', 'Test results'],
      ['messages', 'Messages'],
      ['healthTrackers', 'Health trackers'],
      ['carePlans', 'Care plans'],
      ['sharedLinks', 'Shared links'],
      ['accountAdmin', 'Account admin'],
      ['patientParticipationGroups', 'Patient participation groups'],
      ['vaccineRecord', 'Vaccine record'],
      ['vaccineRecordP5', 'Vaccine record P5'],
      ['NHSLogin', 'NHS login'],
      ['gpRecord', 'Gp record'],
    ];
    for (const [code, label] of cases) expect(jumpOffServiceLabel(code), code).toBe(label);
  });

  it('keeps a name that is not one camelCase word, capitalised', () => {
    expect(jumpOffServiceLabel('Test Results (beta)')).toBe('Test Results (beta)');
    expect(jumpOffServiceLabel('e-consult')).toBe('E-consult');
    expect(jumpOffServiceLabel('')).toBe('');
  });
});

import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../config.ts';
import { fixedClock } from './clock.ts';
import {
  DEMO_MODEL,
  ENGLAND_PATIENTS_13PLUS,
  demoSlots,
  demoWindow,
  expectedNational,
  featureRate,
  featureTable,
  loginDayWeight,
  lookupCells,
  planDemo,
  poissonCdf,
  registeredShare,
  weightPractices,
  type DemoPractice,
  type DemoPracticeRecord,
} from './demo-model.ts';
import { addDays, dayOfWeek, londonDayHours } from './periods.ts';

const REFERENCE = path.join(REPO_ROOT, 'data', 'reference');

/** The published NHS App MI national figures (Table 1 of the August 2025 workbook). */
function readMi(): { month: string; logins: number; uniqueUsers: number }[] {
  const text = fs.readFileSync(
    path.join(REFERENCE, 'nhs-app', 'nhs-app-mi_national_monthly_2025-03_to_2025-08.csv'),
    'utf8',
  );
  const [header, ...lines] = text.trim().split(/\r?\n/);
  expect(header).toBe('MONTH,NHS_APP_LOGINS,NHS_APP_UNIQUE_USER_LOGINS');
  return lines.map((line) => {
    const [month, logins, uniques] = line.split(',');
    return { month: month!.slice(0, 7), logins: Number(logins), uniqueUsers: Number(uniques) };
  });
}

/**
 * Practices' patients aged 13+ as the demo uses them: estimated from the December 2025 5-year bands
 * (15+ plus 0.4 × the 10–14 band), as the list-size importer does.
 */
function readPractices(): DemoPractice[] {
  const text = zlib
    .gunzipSync(fs.readFileSync(path.join(REFERENCE, 'gp-reg-pat-prac-quin-age_2025-12.csv.gz')))
    .toString('utf8');
  const lines = text.split('\n');
  expect(lines[0]).toBe(
    'PUBLICATION,EXTRACT_DATE,ORG_TYPE,ORG_CODE,ONS_CODE,POSTCODE,SEX,AGE_GROUP_5,NUMBER_OF_PATIENTS',
  );
  const pop = new Map<string, number>();
  for (const line of lines.slice(1)) {
    const c = line.split(',');
    if (c[2] !== 'GP' || (c[6] !== 'MALE' && c[6] !== 'FEMALE')) continue;
    const band = c[7]!;
    if (band === 'ALL' || band === '0_4' || band === '5_9') continue;
    pop.set(c[3]!, (pop.get(c[3]!) ?? 0) + (band === '10_14' ? 0.4 : 1) * Number(c[8]));
  }
  return [...pop].map(([code, patients13plus]) => ({ code, patients13plus }));
}

const practices = readPractices();
const pop13 = practices.reduce((a, p) => a + p.patients13plus, 0);

describe('calibration against the NHS App MI publication (scale 1, analytic)', () => {
  const mi = readMi();

  it('reads the six published months and the real practice list', () => {
    expect(mi.map((m) => m.month)).toEqual([
      '2025-03',
      '2025-04',
      '2025-05',
      '2025-06',
      '2025-07',
      '2025-08',
    ]);
    expect(practices.length).toBeGreaterThan(6000);
    // The estimate from 5-year bands is within 2 % of the exact England 13+ figure.
    expect(Math.abs(pop13 / ENGLAND_PATIENTS_13PLUS - 1)).toBeLessThan(0.02);
  });

  it.each(readMi())('$month: logins and unique users within 5 % of the MI figures', (published) => {
    const e = expectedNational(published.month, 1, practices);
    expect(Math.abs(e.logins / published.logins - 1)).toBeLessThan(0.05);
    expect(Math.abs(e.uniqueUsers / published.uniqueUsers - 1)).toBeLessThan(0.05);
  });

  it('every month of 2025 is in the published range (about 51–57 M logins, 11–12 M users)', () => {
    for (let m = 1; m <= 12; m++) {
      const e = expectedNational(`2025-${String(m).padStart(2, '0')}`, 1, practices);
      // February is short (28 days) and December has Christmas: allow a little below 51 M.
      expect(e.logins).toBeGreaterThan(47e6);
      expect(e.logins).toBeLessThan(60e6);
      expect(e.uniqueUsers).toBeGreaterThan(10.5e6);
      expect(e.uniqueUsers).toBeLessThan(12.6e6);
      // About 4–5 logins per user logging in.
      expect(e.logins / e.uniqueUsers).toBeGreaterThan(4);
      expect(e.logins / e.uniqueUsers).toBeLessThan(5);
    }
  });

  it('about two thirds of patients aged 13+ are registered by the end of 2025', () => {
    const dec = expectedNational('2025-12', 1, practices);
    expect(dec.registeredUsers / pop13).toBeGreaterThan(0.6);
    expect(dec.registeredUsers / pop13).toBeLessThan(0.72);
    expect(dec.registeredUsers / ENGLAND_PATIENTS_13PLUS).toBeGreaterThan(0.6);
    expect(dec.registeredUsers / ENGLAND_PATIENTS_13PLUS).toBeLessThan(0.72);
    // Registrations: a few hundred thousand new accounts a month.
    for (const m of ['2025-01', '2025-06', '2025-12']) {
      const r = expectedNational(m, 1, practices).registrations;
      expect(r).toBeGreaterThan(150e3);
      expect(r).toBeLessThan(400e3);
    }
  });

  it('grows into 2026', () => {
    const jun25 = expectedNational('2025-06', 1, practices);
    const jun26 = expectedNational('2026-06', 1, practices);
    expect(jun26.uniqueUsers / jun25.uniqueUsers).toBeGreaterThan(1.03);
    expect(jun26.uniqueUsers / jun25.uniqueUsers).toBeLessThan(1.2);
    expect(jun26.logins / jun25.logins).toBeGreaterThan(1.05);
    expect(jun26.logins / jun25.logins).toBeLessThan(1.25);
    expect(jun26.registeredUsers).toBeGreaterThan(jun25.registeredUsers);
  });

  it('scales linearly, with sampling error shrinking like 1/√scale', () => {
    const full = expectedNational('2025-05', 1, practices);
    const small = expectedNational('2025-05', 0.01, practices);
    expect(small.logins).toBeCloseTo(full.logins * 0.01, 0);
    expect(small.uniqueUsers).toBeCloseTo(full.uniqueUsers * 0.01, 0);
    expect(small.registeredUsers).toBeCloseTo(full.registeredUsers * 0.01, 0);
    expect(small.loginsSd).toBeCloseTo(full.loginsSd * 0.1, 0);
    // At scale 0.002, one month's logins are known to within about 1 % (one standard deviation).
    const demo = expectedNational('2025-05', 0.002, practices);
    expect(demo.loginsSd / demo.logins).toBeLessThan(0.015);
    expect(demo.uniqueUsersSd / demo.uniqueUsers).toBeLessThan(0.01);
  });

  it('depends only on the 13+ total when practices do not differ in activity', () => {
    const one = expectedNational('2025-04', 1, [{ code: 'ENGLAND', patients13plus: pop13 }]);
    const all = expectedNational('2025-04', 1, practices);
    expect(one.registeredUsers).toBeCloseTo(all.registeredUsers, -2);
    // Heterogeneous practice activity changes unique users by well under 1 %.
    expect(Math.abs(one.uniqueUsers / all.uniqueUsers - 1)).toBeLessThan(0.01);
  });

  it('rejects a malformed month', () => {
    expect(() => expectedNational('2025-5', 1, practices)).toThrow(RangeError);
  });
});

describe('calendar weights', () => {
  it('Mondays are busier than weekends; January busier than August and December', () => {
    // 2025-06-02 is a Monday.
    expect(dayOfWeek('2025-06-02')).toBe(1);
    expect(loginDayWeight('2025-06-02')).toBeGreaterThan(loginDayWeight('2025-06-07') * 1.3);
    const mean = (from: string, days: number) => {
      let s = 0;
      for (let i = 0; i < days; i++) s += loginDayWeight(addDays(from, i));
      return s / days;
    };
    expect(mean('2026-01-01', 31)).toBeGreaterThan(mean('2025-08-01', 31));
    expect(mean('2026-01-01', 31)).toBeGreaterThan(mean('2025-12-01', 31));
    expect(loginDayWeight('2025-12-25')).toBeLessThan(loginDayWeight('2025-12-18') * 0.7);
  });

  it('registered share grows through the window', () => {
    expect(registeredShare('2024-11-17')).toBeLessThan(registeredShare('2025-12-31'));
    expect(registeredShare('2025-12-31')).toBeCloseTo(DEMO_MODEL.uptakeAtReference, 10);
    expect(registeredShare('2026-11-15')).toBeLessThan(0.75);
  });
});

describe('the demo window and its hour slots', () => {
  it('is 104 whole weeks, Monday to Sunday, up to the last complete week in London', () => {
    const w = demoWindow(fixedClock('2026-11-21T12:00:00Z'));
    expect(w).toEqual({ from: '2024-11-18', to: '2026-11-15', days: 728 });
    expect(dayOfWeek(w.from)).toBe(1);
    expect(dayOfWeek(w.to)).toBe(7);
    // Sunday 23:30 London (BST) is still inside the week: it is not complete yet.
    expect(demoWindow(fixedClock('2026-07-05T22:30:00Z')).to).toBe('2026-06-28');
    // Monday 00:30 London (BST) is Sunday 23:30 UTC: the week just ended.
    expect(demoWindow(fixedClock('2026-07-05T23:30:00Z')).to).toBe('2026-07-05');
  });

  it('has every London hour once, none missing but 01:00 on the day the clocks go forward', () => {
    const w = demoWindow(fixedClock('2026-11-21T12:00:00Z'));
    const s = demoSlots(w);
    const short = s.dayShort.map((v, i) => (v ? addDays(w.from, i) : null)).filter((d) => d !== null);
    expect(short).toEqual(['2025-03-30', '2026-03-29']);
    for (const d of short) expect(londonDayHours(d!)).toBe(23);
    expect(s.hour.length).toBe(728 * 24 - 2);
    const first = s.dayIndex.indexOf(s.dayShort.indexOf(1));
    expect(s.hour.slice(first, first + 3)).toEqual([0, 2, 3]);
    // Weights add up: slots to days to the total, and each day's hour shares to 1.
    const dayTotal = s.dayW.reduce((a, b) => a + b, 0);
    expect(s.loginTotal).toBeCloseTo(dayTotal, 9);
    expect(s.loginW.reduce((a, b) => a + b, 0)).toBeCloseTo(dayTotal, 9);
    for (let i = 1; i < s.loginLo.length; i++) expect(s.loginLo[i]!).toBeGreaterThan(s.loginLo[i - 1]!);
    // About two years of logins per unit rate: ~24 months.
    expect(s.loginTotal).toBeGreaterThan(22);
    expect(s.loginTotal).toBeLessThan(27);
  });

  it('sizes lookup tables so that no cell holds two boundaries', () => {
    expect(lookupCells([0.5, 0.25, 0.25])).toBe(16);
    expect(lookupCells([0.001, 0.999])).toBe(2048);
    expect(1 / lookupCells([0.0003, 0.9997])).toBeLessThanOrEqual(0.0003 / 2);
  });
});

describe('sessions', () => {
  it('P5 users cannot order prescriptions, view records or manage appointments', () => {
    const p5 = featureTable('P5').map((f) => f.spec.eventType);
    expect(p5).not.toContain('prescription_ordered');
    expect(p5).not.toContain('record_viewed');
    expect(p5).not.toContain('appointment_booked');
    expect(featureTable('P9').map((f) => f.spec.eventType)).toContain('record_viewed');
    expect(featureRate('P9')).toBeGreaterThan(featureRate('P5'));
  });

  it('uses the real Provider / JumpOff strings of the integrated partners', () => {
    const jumps = DEMO_MODEL.features.filter((f) => f.eventType === 'jump_off');
    const pairs = jumps.map((f) => `${f.provider}/${f.service}`);
    for (const p of [
      'Patients Know Best/messages',
      'Substrakt Health/accountAdmin',
      'Engage Health Systems Limited/medical',
      'Accurx Limited/messages',
      'eConsult Health Ltd/onlineConsultation',
      'NHS Digital/vaccineRecord',
    ]) {
      expect(pairs).toContain(p);
    }
    expect(DEMO_MODEL.features.filter((f) => f.eventType !== 'jump_off').every((f) => !f.provider)).toBe(
      true,
    );
  });

  it('draws the feature count from a proper Poisson CDF', () => {
    const cdf = poissonCdf(0.46);
    expect(cdf[0]).toBeCloseTo(Math.exp(-0.46), 12);
    for (let i = 1; i < cdf.length; i++) expect(cdf[i]!).toBeGreaterThan(cdf[i - 1]!);
    expect(cdf[cdf.length - 1]!).toBeLessThanOrEqual(1);
    expect(cdf[cdf.length - 1]!).toBeGreaterThan(0.9999);
  });
});

describe('practices and the run plan', () => {
  const w = demoWindow(fixedClock('2026-11-21T12:00:00Z'));

  it('varies uptake between practices, deterministically, keeping the national total', () => {
    const weighted = weightPractices(practices);
    const total = weighted.reduce((a, p) => a + p.weight, 0);
    expect(total).toBeCloseTo(pop13, 0);
    const rates = weighted.map((p, i) => p.weight / practices[i]!.patients13plus).sort((a, b) => a - b);
    const p10 = rates[Math.floor(rates.length * 0.1)]!;
    const p90 = rates[Math.floor(rates.length * 0.9)]!;
    expect(p90 / p10).toBeGreaterThan(1.3);
    expect(weightPractices(practices)).toEqual(weighted);
  });

  it('gives users in proportion to list size, and moves users of a closed practice within its PCN', () => {
    const records: DemoPracticeRecord[] = [
      {
        code: 'A00001',
        patients13plus: 10000,
        pcnCode: 'U00001',
        subIcbCode: '00A',
        icbCode: 'QAA',
        lastSeen: '2026-08-01',
        goneBy: null,
      },
      {
        code: 'A00002',
        patients13plus: 5000,
        pcnCode: 'U00001',
        subIcbCode: '00A',
        icbCode: 'QAA',
        lastSeen: '2026-01-01',
        goneBy: '2026-08-01',
      },
      {
        code: 'A00003',
        patients13plus: 8000,
        pcnCode: 'U00002',
        subIcbCode: '00A',
        icbCode: 'QAA',
        lastSeen: '2026-08-01',
        goneBy: null,
      },
      {
        code: 'A00004',
        patients13plus: 2000,
        pcnCode: null,
        subIcbCode: '00B',
        icbCode: 'QAA',
        lastSeen: '2026-01-01',
        goneBy: '2026-08-01',
      },
      {
        code: 'A00005',
        patients13plus: 3000,
        pcnCode: null,
        subIcbCode: '00B',
        icbCode: 'QAA',
        lastSeen: '2026-08-01',
        goneBy: null,
      },
    ];
    const plan = planDemo(records, w, 0.1, 7);
    const byCode = new Map(plan.practices.map((p) => [p.code, p]));
    expect(byCode.get('A00002')!.successor).toBe('A00001');
    expect(byCode.get('A00004')!.successor).toBe('A00005');
    const closure = byCode.get('A00002')!.closureDate!;
    expect(closure > '2026-01-01' && closure <= '2026-08-01').toBe(true);
    expect(byCode.get('A00001')!.successor).toBeNull();
    const users = byCode.get('A00001')!.users;
    // 10 000 patients × ~0.7 registered × uptake factor × 0.1.
    expect(users).toBeGreaterThan(300);
    expect(users).toBeLessThan(1200);
    // Move destinations are current practices only, grouped by sub-ICB location.
    expect(plan.moveTargets.flat().sort()).toEqual(['A00001', 'A00003', 'A00005']);
    expect(plan.preRegisteredShare).toBeGreaterThan(0.8);
    expect(plan.preRegisteredShare).toBeLessThan(0.95);
    expect(planDemo(records, w, 0.1, 7)).toEqual(plan);
  });
});

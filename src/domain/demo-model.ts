/**
 * The demo data model: who the synthetic NHS App users are, when they register, how often they log in and
 * what they do in a session. Calibrated so that at full scale (scale = 1) England matches the published
 * NHS App Management Information (MI) figures for March–August 2025 (about 51–57 M logins and 11–12 M unique
 * users logging in a month) and roughly two thirds of GP patients aged 13+ are registered by the end of 2025.
 *
 * Pure (no I/O). The generator (src/demo/generate.ts) samples this model in DuckDB; `expectedNational`
 * computes the model's national expectations analytically, without generating anything, so tests can check
 * both the calibration and that the generator implements the model.
 *
 * The model, per user:
 * - Users belong to a GP practice. Registered users per practice ∝ its patients aged 13+ × a deterministic
 *   per-practice uptake factor; nationally the registered share of 13+ patients is U(t), which grows
 *   linearly with a weekly and seasonal rhythm (registrations). Users registered before the demo window
 *   have no registration event; the rest register during it.
 * - Each user has a latent login rate λ: a mixture of exponentials ("segments": dormant … heavy). Given λ,
 *   logins form a Poisson process with intensity λ × practice activity factor × w(day, hour), where w carries
 *   the trend, the season, the weekday and the hour of day. Marginally, a user's logins in a period of
 *   weight W are geometric with mean a·μ·W, so P(no login) = 1 / (1 + a·μ·W): monthly unique users are exact
 *   sums over segments, and the generator can draw a user's whole login count in one closed-form draw.
 * - Each login opens a session with a Poisson number of feature events (prescriptions, record views, …),
 *   whose types follow per-identity-level rates (P5 users cannot order prescriptions or view records).
 */
import type { Clock } from './clock.ts';
import type { EventType } from './metric-definition.ts';
import {
  addDays,
  dateOfDayNumber,
  dayNumber,
  dayOfWeek,
  daysInMonth,
  formatIsoDate,
  lastCompleteWeekEnd,
  londonDayHours,
  parseIsoDate,
} from './periods.ts';

/** Average days in a month (Gregorian): daily login weights are per 1/AVG_MONTH_DAYS of a month. */
export const AVG_MONTH_DAYS = 365.2425 / 12;
/** The demo window: this many whole weeks (two years) up to the last complete week. */
export const DEMO_WEEKS = 104;
/**
 * Default demo scale: 0.2 % of England — about 75 k synthetic users (≈ 12 per practice, ≈ 24 k logging
 * in a month) and 3.8 M events over two years, so that generating, loading and building on a first start
 * stays under two minutes on 2 cores (measured: at 0.5 % the load and build alone took over two minutes).
 */
export const DEFAULT_DEMO_SCALE = 0.002;
/** Default seed of the pseudo-random draws. */
export const DEFAULT_DEMO_SEED = 20250301;
/** Patients aged 13+ registered with a GP practice in England (single-year-of-age file, August 2026). */
export const ENGLAND_PATIENTS_13PLUS = 54_808_696;

export type FeatureEventType = Exclude<EventType, 'login' | 'registration' | 'identity_uplift'>;

/** One kind of in-session event and how often it happens per login, by the user's identity level. */
export interface FeatureSpec {
  eventType: FeatureEventType;
  recordType?: 'summary' | 'detailed_coded';
  provider?: string;
  service?: string;
  /** Expected events of this kind per login of a P9 (fully verified) user. */
  perLoginP9: number;
  /** Expected events of this kind per login of a P5 user (0 where P9 is required). */
  perLoginP5: number;
}

/** A group of users with the same mean login rate (users' own rates are exponential around it). */
export interface LoginSegment {
  label: string;
  /** Share of registered users. */
  share: number;
  /** Mean logins per month (at season factor 1, trend reference date, activity factor 1). */
  meanLoginsPerMonth: number;
}

export interface DemoModel {
  /** Date at which the registered share of 13+ patients is `uptakeAtReference` (end of that London day). */
  uptakeReferenceDate: string;
  uptakeAtReference: number;
  /** Registrations a year, as a share of patients aged 13+. */
  registrationsPerYear: number;
  /** Relative registrations by calendar month (Jan … Dec); normalised to mean 1. */
  registrationMonthFactors: readonly number[];
  /** Relative registrations by weekday (Mon … Sun); normalised to mean 1. */
  registrationWeekdayFactors: readonly number[];
  /** Per-practice uptake factor: log-normal sigma and clip range (then normalised to a population-weighted mean of 1). */
  practiceUptakeSigma: number;
  practiceUptakeRange: readonly [number, number];
  /** Per-practice login activity factor: log-normal sigma and clip range (normalised to a user-weighted mean of 1). */
  practiceActivitySigma: number;
  practiceActivityRange: readonly [number, number];
  segments: readonly LoginSegment[];
  /** Seasonal login factors by calendar month, anchored on the 15th and interpolated linearly between. */
  loginMonthFactors: readonly number[];
  /** Relative logins by weekday (Mon … Sun); normalised to mean 1. */
  loginWeekdayFactors: readonly number[];
  /** Fixed-date holiday factors ('MM-DD' → factor) applied to logins. */
  loginHolidayFactors: Readonly<Record<string, number>>;
  /** Growth of logins per registered user per year (linear), around `trendReferenceDate`. */
  loginTrendPerYear: number;
  trendReferenceDate: string;
  /** Relative activity by London hour of day (0 … 23), for logins and registrations. */
  hourProfile: readonly number[];
  /** Share of users registered before the window who are P9 at its start (the rest are P5). */
  preWindowP9Share: number;
  /** Share of new registrations completed at P9 (the rest at P5). */
  newRegistrationP9Share: number;
  /** Share of P5 users who uplift to P9 during the window (at a time spread like their logins). */
  upliftShare: number;
  /** Routes to P9, shares. */
  p9Routes: Readonly<Record<'IDVM' | 'PYI' | 'POL', number>>;
  /** Users' main channel, shares. */
  channels: Readonly<Record<'ios' | 'android' | 'web', number>>;
  /** Probability that a session uses a channel drawn afresh from `channels` instead of the user's main one. */
  sessionChannelSwitch: number;
  /** Share of sessions whose events carry no practice code (the MI "Unknown" row). */
  unknownPracticeShare: number;
  /** Share of users who move to another practice (same sub-ICB location) during the window. */
  movedUserShare: number;
  features: readonly FeatureSpec[];
}

/** A jump-off to an integrated partner's service, with its rates per login of P9 and P5 users. */
function jumpOff(provider: string, service: string, perLoginP9: number, perLoginP5: number): FeatureSpec {
  return { eventType: 'jump_off', provider, service, perLoginP9, perLoginP5 };
}

/** The largest number of feature events in one session (the Poisson tail beyond it is folded into it). */
export const MAX_FEATURES_PER_SESSION = 6;

export const DEMO_MODEL: DemoModel = {
  // Brief / MI: "roughly two thirds of GP patients aged 13+ registered for the App by 2025" (54.8 M aged 13+).
  uptakeReferenceDate: '2025-12-31',
  uptakeAtReference: 0.66,
  // Assumption: about 3 M new accounts a year (≈ 250 k a month; 5.5 % of 54.8 M patients aged 13+).
  registrationsPerYear: 0.055,
  // Assumption: more sign-ups in January and autumn/winter (illness season, new-year campaigns), fewer in summer.
  registrationMonthFactors: [1.3, 1.1, 1.0, 0.95, 0.9, 0.85, 0.85, 0.85, 1.0, 1.05, 1.05, 1.1],
  // Assumption: registrations follow the working week (GP practices prompt patients), fewer at weekends.
  registrationWeekdayFactors: [1.2, 1.1, 1.05, 1.0, 0.95, 0.8, 0.9],
  // Assumption: practice uptake varies (roughly 40 %–90 % of 13+ patients registered); log-normal, sigma 0.18.
  practiceUptakeSigma: 0.18,
  practiceUptakeRange: [0.6, 1.35],
  // Assumption: practices' users differ in how often they log in (online-first practices), sigma 0.12.
  practiceActivitySigma: 0.12,
  practiceActivityRange: [0.7, 1.35],
  // Calibrated to the MI: logins ≈ 4.6 per monthly active user, ≈ 1/3 of registered users active a month.
  // A heavy tail (a few % of users log in weekly or more), and many dormant accounts (registered, e.g. for
  // the COVID pass, rarely used). Shares are assumptions; the means were fitted to MI Mar–Aug 2025.
  segments: [
    { label: 'dormant', share: 0.45, meanLoginsPerMonth: 0.035 },
    { label: 'occasional', share: 0.25, meanLoginsPerMonth: 0.585 },
    { label: 'regular', share: 0.195, meanLoginsPerMonth: 2.25 },
    { label: 'frequent', share: 0.08, meanLoginsPerMonth: 6.3 },
    { label: 'heavy', share: 0.025, meanLoginsPerMonth: 15.5 },
  ],
  // Mar–Aug fitted to the MI monthly logins (after weekday mix and trend); other months assumptions:
  // January high (new year, winter illness), December low (Christmas), August slightly below July.
  loginMonthFactors: [1.1, 1.05, 1.025, 1.01, 0.952, 1.034, 1.06, 1.021, 1.02, 1.03, 1.02, 0.92],
  // Assumption: Monday peak (GP appointment booking), quieter weekends.
  loginWeekdayFactors: [1.2, 1.08, 1.03, 1.0, 0.95, 0.8, 0.94],
  // Assumption: bank-holiday-like dips on fixed-date holidays.
  loginHolidayFactors: { '12-24': 0.85, '12-25': 0.5, '12-26': 0.7, '12-31': 0.85, '01-01': 0.75 },
  // Assumption: logins per registered user grow 3 % a year (more services in the App); with registrations
  // (~8 % a year) logins grow ≈ 11 % a year into 2026.
  loginTrendPerYear: 0.03,
  trendReferenceDate: '2025-06-01',
  // Assumption: daytime peaks (morning, early evening), little overnight; 23:00–01:00 is not empty.
  hourProfile: [
    1.0, 0.5, 0.3, 0.2, 0.2, 0.35, 1.1, 2.8, 5.2, 6.8, 7.0, 6.7, 6.3, 6.0, 5.8, 5.6, 5.5, 5.7, 6.0, 6.3, 6.1,
    5.0, 3.4, 1.9,
  ],
  // Assumption: most App users are fully verified (NHS login P9); P5 users can uplift later.
  preWindowP9Share: 0.85,
  newRegistrationP9Share: 0.8,
  upliftShare: 0.3,
  // Assumption: NHS login P9 routes — IDVM (GP record match), PYI (photo ID + face), POL (linkage key).
  p9Routes: { IDVM: 0.5, PYI: 0.35, POL: 0.15 },
  // Assumption: the mobile app dominates; NHS App Online (web) a minority.
  channels: { ios: 0.5, android: 0.36, web: 0.14 },
  sessionChannelSwitch: 0.1,
  // MI Table 2: the "Unknown" ICB row is ~27–30 k of ~51–56 M logins a month (≈ 0.055 %).
  unknownPracticeShare: 0.00055,
  // Assumption: ~3 % of users change GP practice during the two years (within their sub-ICB location).
  movedUserShare: 0.03,
  // Per-login rates (assumptions; ~87 % of logins are P9): at scale 1 a 2025 month has ≈ 4 M prescription
  // orders, ≈ 11 M record views (three quarters detailed coded), ≈ 0.9 M appointments booked, ≈ 3.5 M
  // jump-offs to partners, ≈ 35 k organ donation registrations.
  features: [
    { eventType: 'prescription_ordered', perLoginP9: 0.085, perLoginP5: 0 },
    { eventType: 'record_viewed', recordType: 'detailed_coded', perLoginP9: 0.17, perLoginP5: 0 },
    { eventType: 'record_viewed', recordType: 'summary', perLoginP9: 0.06, perLoginP5: 0 },
    { eventType: 'appointment_booked', perLoginP9: 0.018, perLoginP5: 0 },
    { eventType: 'appointment_cancelled', perLoginP9: 0.006, perLoginP5: 0 },
    { eventType: 'nominated_pharmacy_changed', perLoginP9: 0.004, perLoginP5: 0.004 },
    { eventType: 'nhs111_visit', perLoginP9: 0.012, perLoginP5: 0.015 },
    { eventType: 'health_a_z_visit', perLoginP9: 0.03, perLoginP5: 0.035 },
    { eventType: 'data_opt_out_visit', perLoginP9: 0.002, perLoginP5: 0.002 },
    { eventType: 'organ_donation_registered', perLoginP9: 0.0007, perLoginP5: 0.0007 },
    { eventType: 'organ_donation_updated', perLoginP9: 0.0003, perLoginP5: 0.0003 },
    { eventType: 'organ_donation_withdrawn', perLoginP9: 0.00008, perLoginP5: 0.00008 },
    { eventType: 'organ_donation_lookup', perLoginP9: 0.0025, perLoginP5: 0.0025 },
    // Jump-offs to integrated partners: the Provider / JumpOff strings of the weekly integrated-partner feed.
    jumpOff('Patients Know Best', 'messages', 0.009, 0),
    jumpOff('Patients Know Best', 'appointments', 0.006, 0),
    jumpOff('Patients Know Best', 'testResults', 0.006, 0),
    jumpOff('Patients Know Best', 'medicines', 0.002, 0),
    jumpOff('Patients Know Best', 'carePlans', 0.001, 0),
    jumpOff('Patients Know Best', 'healthTrackers', 0.001, 0),
    jumpOff('Patients Know Best', 'sharedLinks', 0.0005, 0),
    jumpOff('Substrakt Health', 'messages', 0.004, 0.004),
    jumpOff('Substrakt Health', 'accountAdmin', 0.003, 0.003),
    jumpOff('Substrakt Health', 'patientParticipationGroups', 0.0005, 0.0005),
    jumpOff('Engage Health Systems Limited', 'medical', 0.004, 0.004),
    jumpOff('Engage Health Systems Limited', 'admin', 0.003, 0.003),
    jumpOff('Engage Health Systems Limited', 'messages', 0.002, 0.002),
    jumpOff('Accurx Limited', 'messages', 0.008, 0.008),
    jumpOff('Accurx Limited', 'medical', 0.003, 0.003),
    jumpOff('eConsult Health Ltd', 'onlineConsultation', 0.006, 0.006),
    jumpOff('NHS Digital', 'vaccineRecord', 0.006, 0),
    // e-RS "Manage your referral": the feed's Provider string for e-RS is not documented (assumed name).
    jumpOff('NHS e-Referral Service', 'manageYourReferral', 0.004, 0),
  ],
};

// ---------------------------------------------------------------------------------------------------
// Deterministic pseudo-random numbers (for the per-practice factors, computed here rather than in SQL)
// ---------------------------------------------------------------------------------------------------

/** FNV-1a 32-bit hash of a string. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // Final avalanche (murmur3 fmix32) so that similar codes give unrelated numbers.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A deterministic number in (0, 1) from a key. */
export function unitHash(key: string): number {
  return (fnv1a(key) + 0.5) / 4294967296;
}

function clip(x: number, [lo, hi]: readonly [number, number]): number {
  return Math.min(hi, Math.max(lo, x));
}

/** A clipped log-normal factor with median 1 from a key (Box–Muller on two hashes). */
function logNormalFactor(key: string, sigma: number, range: readonly [number, number]): number {
  const z = Math.sqrt(-2 * Math.log(unitHash(`${key}|a`))) * Math.cos(2 * Math.PI * unitHash(`${key}|b`));
  return clip(Math.exp(sigma * z), range);
}

/** A practice's uptake factor before normalisation (depends on the practice code only, not on the seed). */
export function practiceUptakeFactor(code: string, model: DemoModel = DEMO_MODEL): number {
  return logNormalFactor(`uptake|${code}`, model.practiceUptakeSigma, model.practiceUptakeRange);
}

/** A practice's login-activity factor before normalisation (practice code only). */
export function practiceActivityFactor(code: string, model: DemoModel = DEMO_MODEL): number {
  return logNormalFactor(`activity|${code}`, model.practiceActivitySigma, model.practiceActivityRange);
}

// ---------------------------------------------------------------------------------------------------
// Calendar weights
// ---------------------------------------------------------------------------------------------------

function normalised(values: readonly number[]): number[] {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return values.map((v) => v / mean);
}

/** Month factors anchored on the 15th, linearly interpolated between anchors. */
function seasonal(date: string, factors: readonly number[]): number {
  const { year, month, day } = parseIsoDate(date);
  const anchor = (y: number, m: number) => {
    const idx = y * 12 + (m - 1);
    const yy = Math.floor(idx / 12);
    const mm = idx - yy * 12 + 1;
    return { n: dayNumber(formatIsoDate(yy, mm, 15)), f: factors[mm - 1]! };
  };
  const here = anchor(year, month);
  const other = day >= 15 ? anchor(year, month + 1) : anchor(year, month - 1);
  const [a, b] = day >= 15 ? [here, other] : [other, here];
  const t = (dayNumber(date) - a.n) / (b.n - a.n);
  return a.f + (b.f - a.f) * t;
}

/** Cached normalised weekday factors per model. */
const weekdayCache = new WeakMap<
  DemoModel,
  { login: number[]; reg: number[]; regMonth: number[]; hours: number[] }
>();
function norms(model: DemoModel) {
  let n = weekdayCache.get(model);
  if (!n) {
    const hourSum = model.hourProfile.reduce((a, b) => a + b, 0);
    n = {
      login: normalised(model.loginWeekdayFactors),
      reg: normalised(model.registrationWeekdayFactors),
      regMonth: normalised(model.registrationMonthFactors),
      hours: model.hourProfile.map((h) => h / hourSum),
    };
    weekdayCache.set(model, n);
  }
  return n;
}

/**
 * Login weight of a London day: a user with rate μ (logins a month) logs in μ × weight times that day on
 * average. About 1/30.4 on an average day at the trend reference date.
 */
export function loginDayWeight(date: string, model: DemoModel = DEMO_MODEL): number {
  const { login } = norms(model);
  const years = (dayNumber(date) - dayNumber(model.trendReferenceDate)) / 365.2425;
  const holiday = model.loginHolidayFactors[date.slice(5)] ?? 1;
  return (
    (seasonal(date, model.loginMonthFactors) *
      login[dayOfWeek(date) - 1]! *
      holiday *
      Math.max(0.2, 1 + model.loginTrendPerYear * years)) /
    AVG_MONTH_DAYS
  );
}

/** Registrations on a London day, as a share of patients aged 13+. */
export function registrationDayWeight(date: string, model: DemoModel = DEMO_MODEL): number {
  const { reg, regMonth } = norms(model);
  const { month } = parseIsoDate(date);
  return (model.registrationsPerYear / 365.2425) * regMonth[month - 1]! * reg[dayOfWeek(date) - 1]!;
}

/** Share of patients aged 13+ registered by the end of a London day (national). */
export function registeredShare(date: string, model: DemoModel = DEMO_MODEL): number {
  const ref = dayNumber(model.uptakeReferenceDate);
  const n = dayNumber(date);
  let u = model.uptakeAtReference;
  if (n > ref) for (let d = ref + 1; d <= n; d++) u += registrationDayWeight(dateOfDayNumber(d), model);
  else for (let d = n + 1; d <= ref; d++) u -= registrationDayWeight(dateOfDayNumber(d), model);
  return Math.max(0, u);
}

// ---------------------------------------------------------------------------------------------------
// The window
// ---------------------------------------------------------------------------------------------------

export interface DemoWindow {
  /** First day (a Monday, London). */
  from: string;
  /** Last day (a Sunday, London): the end of the last complete week at the clock's now. */
  to: string;
  days: number;
}

/** The demo window: `weeks` whole weeks (Monday–Sunday, London) up to the last complete week. */
export function demoWindow(clock: Clock, weeks = DEMO_WEEKS): DemoWindow {
  const to = lastCompleteWeekEnd(clock);
  const from = addDays(to, 1 - 7 * weeks);
  return { from, to, days: 7 * weeks };
}

/**
 * The window's hour slots (London local hours that exist; on the day the clocks go forward 01:00 does not)
 * with their login and registration weights and the cumulative weights before each: the generator's
 * inverse-CDF tables. Each day's hour weights are renormalised so that a day keeps its day weight; the
 * within-day shares are also given per slot (`hourLo`, `hourW`) and per day (`dayLo`, `dayW`).
 */
export interface DemoSlots {
  dayIndex: number[];
  hour: number[];
  loginLo: number[];
  loginW: number[];
  regLo: number[];
  regW: number[];
  /** Share of the day's weight before the slot, and the slot's share. */
  hourLo: number[];
  hourW: number[];
  /** Per day: cumulative login weight at its start, its login weight, and 1 when it has 23 hours. */
  dayLo: number[];
  dayW: number[];
  dayShort: number[];
  loginTotal: number;
  regTotal: number;
}

export function demoSlots(window: DemoWindow, model: DemoModel = DEMO_MODEL): DemoSlots {
  const { hours } = norms(model);
  const s: DemoSlots = {
    dayIndex: [],
    hour: [],
    loginLo: [],
    loginW: [],
    regLo: [],
    regW: [],
    hourLo: [],
    hourW: [],
    dayLo: [],
    dayW: [],
    dayShort: [],
    loginTotal: 0,
    regTotal: 0,
  };
  let login = 0;
  let reg = 0;
  for (let i = 0; i < window.days; i++) {
    const date = addDays(window.from, i);
    const lw = loginDayWeight(date, model);
    const rw = registrationDayWeight(date, model);
    // The hour that does not exist when the clocks go forward (01:00 on a 23-hour day).
    const short = londonDayHours(date) === 23;
    const shares = hourShares(hours, short);
    s.dayLo.push(login);
    s.dayW.push(lw);
    s.dayShort.push(short ? 1 : 0);
    let within = 0;
    for (let h = 0; h < 24; h++) {
      const share = shares[h]!;
      if (share === 0) continue; // 01:00 on the day the clocks go forward (or an hour the profile leaves empty)
      s.dayIndex.push(i);
      s.hour.push(h);
      s.loginLo.push(login + lw * within);
      s.loginW.push(lw * share);
      s.regLo.push(reg + rw * within);
      s.regW.push(rw * share);
      s.hourLo.push(within);
      s.hourW.push(share);
      within += share;
    }
    login += lw;
    reg += rw;
  }
  s.loginTotal = login;
  s.regTotal = reg;
  return s;
}

/** The hour-of-day shares of a day (24 hours, or 23 without 01:00 when the clocks go forward). */
export function hourShares(hours: readonly number[], short: boolean): number[] {
  const w = hours.map((h, i) => (short && i === 1 ? 0 : h));
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((h) => h / total);
}

/**
 * The number of equal cells to cut [0, total) into for a lookup by equality join (a cell gives the
 * interval at its start and the next one above a boundary): a power of two with cells at most half as
 * wide as the narrowest interval, so that no cell holds two boundaries.
 */
export function lookupCells(widths: readonly number[], total = 1): number {
  const narrowest = Math.min(...widths.filter((w) => w > 0));
  return 2 ** Math.min(24, Math.max(4, Math.ceil(Math.log2((2 * total) / narrowest))));
}

// ---------------------------------------------------------------------------------------------------
// Practices
// ---------------------------------------------------------------------------------------------------

/** A practice and its patients aged 13+ (the model's only use of the list sizes). */
export interface DemoPractice {
  code: string;
  patients13plus: number;
}

export interface WeightedPractice {
  code: string;
  /** Registered users per unit of national registered share: patients13plus × normalised uptake factor. */
  weight: number;
  /** Normalised login-activity factor (user-weighted mean 1). */
  activity: number;
}

/** Applies the per-practice factors, normalised so national totals depend only on the 13+ total. */
export function weightPractices(
  practices: readonly DemoPractice[],
  model: DemoModel = DEMO_MODEL,
): WeightedPractice[] {
  let pop = 0;
  let popUptake = 0;
  const raw = practices.map((p) => {
    const pop13 = Math.max(0, p.patients13plus);
    const uptake = practiceUptakeFactor(p.code, model);
    pop += pop13;
    popUptake += pop13 * uptake;
    return { code: p.code, pop13, uptake, activity: practiceActivityFactor(p.code, model) };
  });
  const uptakeNorm = popUptake > 0 ? pop / popUptake : 1;
  let w = 0;
  let wa = 0;
  const weighted = raw.map((r) => {
    const weight = r.pop13 * r.uptake * uptakeNorm;
    w += weight;
    wa += weight * r.activity;
    return { code: r.code, weight, activity: r.activity };
  });
  const activityNorm = wa > 0 ? w / wa : 1;
  return weighted.map((p) => ({ ...p, activity: p.activity * activityNorm }));
}

// ---------------------------------------------------------------------------------------------------
// Analytic national expectations
// ---------------------------------------------------------------------------------------------------

export interface ExpectedMonth {
  month: string;
  /** Expected login events in the London calendar month. */
  logins: number;
  /** Expected distinct users with at least one login in the month. */
  uniqueUsers: number;
  /** Expected registrations (new accounts) in the month. */
  registrations: number;
  /** Expected registered users at the end of the month. */
  registeredUsers: number;
  /** Approximate sampling standard deviations of logins and unique users at this scale (independent users). */
  loginsSd: number;
  uniqueUsersSd: number;
}

/**
 * The model's expected national figures for a London calendar month ('YYYY-MM') at a scale, computed in
 * closed form from the model and the practices' 13+ list sizes (no events generated). Holds for any month
 * the generator covers completely (it does not know the demo window).
 */
export function expectedNational(
  month: string,
  scale: number,
  practices: readonly DemoPractice[],
  model: DemoModel = DEMO_MODEL,
): ExpectedMonth {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m) throw new RangeError(`month must be YYYY-MM, got ${JSON.stringify(month)}`);
  const year = Number(m[1]);
  const mon = Number(m[2]);
  const first = formatIsoDate(year, mon, 1);
  const nDays = daysInMonth(year, mon);
  const dayW: number[] = [];
  const regW: number[] = [];
  for (let i = 0; i < nDays; i++) {
    const d = addDays(first, i);
    dayW.push(loginDayWeight(d, model));
    regW.push(registrationDayWeight(d, model));
  }
  const wFull = dayW.reduce((a, b) => a + b, 0);
  // Exposure of a user registering on day i: the rest of the month, plus half of day i on average
  // (registration and login times within the day follow the same hour profile).
  const exposure: number[] = [];
  let after = wFull;
  for (let i = 0; i < nDays; i++) {
    after -= dayW[i]!;
    exposure.push(after + dayW[i]! / 2);
  }
  const u0 = registeredShare(addDays(first, -1), model);
  const uEnd = registeredShare(addDays(first, nDays - 1), model);
  const regInMonth = regW.reduce((a, b) => a + b, 0);
  const weighted = weightPractices(practices, model);
  const totalWeight = weighted.reduce((a, p) => a + p.weight, 0);

  let logins = 0;
  let uniques = 0;
  let loginsVar = 0;
  let uniquesVar = 0;
  // Group practices by activity factor (many share the clip bounds; the sums are linear in weight).
  const byActivity = new Map<number, number>();
  for (const p of weighted) byActivity.set(p.activity, (byActivity.get(p.activity) ?? 0) + p.weight);
  for (const [a, weight] of byActivity) {
    const users = scale * weight; // per unit registered share
    let l = 0; // expected logins per unit share
    let l2 = 0; // expected sum of squared logins per unit share
    let q = 0; // expected active users per unit share
    for (const s of model.segments) {
      const add = (share: number, exposureW: number) => {
        const mean = a * s.meanLoginsPerMonth * exposureW;
        l += s.share * share * mean;
        l2 += s.share * share * (mean + 2 * mean * mean);
        q += s.share * share * (1 - 1 / (1 + mean));
      };
      add(u0, wFull);
      for (let i = 0; i < nDays; i++) add(regW[i]!, exposure[i]!);
    }
    const n = users * uEnd;
    const el = users * l;
    const eq = users * q;
    logins += el;
    uniques += eq;
    if (n > 0) {
      loginsVar += users * l2 - (el * el) / n;
      uniquesVar += eq - (eq * eq) / n;
    }
  }
  return {
    month,
    logins,
    uniqueUsers: uniques,
    registrations: scale * totalWeight * regInMonth,
    registeredUsers: scale * totalWeight * uEnd,
    loginsSd: Math.sqrt(Math.max(0, loginsVar)),
    uniqueUsersSd: Math.sqrt(Math.max(0, uniquesVar)),
  };
}

// ---------------------------------------------------------------------------------------------------
// Sessions: feature events
// ---------------------------------------------------------------------------------------------------

/** Expected feature events per login at a level. */
export function featureRate(level: 'P5' | 'P9', model: DemoModel = DEMO_MODEL): number {
  return model.features.reduce((a, f) => a + (level === 'P9' ? f.perLoginP9 : f.perLoginP5), 0);
}

/** Cumulative Poisson probabilities P(N ≤ k), k = 0 … MAX_FEATURES_PER_SESSION − 1. */
export function poissonCdf(mean: number, kMax = MAX_FEATURES_PER_SESSION - 1): number[] {
  const out: number[] = [];
  let p = Math.exp(-mean);
  let c = 0;
  for (let k = 0; k <= kMax; k++) {
    c += p;
    out.push(c);
    p = (p * mean) / (k + 1);
  }
  return out;
}

/** Feature types with their cumulative probability (given a feature event happens) per level. */
export function featureTable(
  level: 'P5' | 'P9',
  model: DemoModel = DEMO_MODEL,
): { lo: number; spec: FeatureSpec }[] {
  const total = featureRate(level, model);
  const out: { lo: number; spec: FeatureSpec }[] = [];
  let c = 0;
  for (const f of model.features) {
    const r = level === 'P9' ? f.perLoginP9 : f.perLoginP5;
    if (r <= 0) continue;
    out.push({ lo: c / total, spec: f });
    c += r;
  }
  return out;
}

/** Cumulative probabilities (lower bounds) of a categorical distribution given as shares. */
export function cumulativeShares(shares: readonly number[]): number[] {
  const total = shares.reduce((a, b) => a + b, 0);
  const out: number[] = [];
  let c = 0;
  for (const s of shares) {
    out.push(c / total);
    c += s;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// The practice plan for a generation run
// ---------------------------------------------------------------------------------------------------

/** A practice as the generator sees it: list size and where it sits, and when it was last seen. */
export interface DemoPracticeRecord extends DemoPractice {
  /** Null when the practice is not allocated to a PCN. */
  pcnCode: string | null;
  subIcbCode: string;
  icbCode: string;
  /** Extract date of the last practice-map release listing it. */
  lastSeen: string;
  /** Extract date of the first later release that no longer lists it (null when still current). */
  goneBy: string | null;
}

export interface PlannedPractice {
  code: string;
  /** Synthetic users registered at this practice by the end of the window. */
  users: number;
  activity: number;
  /** Login-cumulative weight at which the practice closes (its users move to `successor`); null if it does not close in the window. */
  closureAt: number | null;
  closureDate: string | null;
  successor: string | null;
  /** Users who move go to a random current practice of this group (their sub-ICB location). */
  moveGroup: number;
}

export interface DemoPlan {
  window: DemoWindow;
  slots: DemoSlots;
  practices: PlannedPractice[];
  /** Move destinations: current practices by group, `moveTargets[g]` lists group g's practice codes. */
  moveTargets: string[][];
  /** Share of the window-end users registered before the window starts. */
  preRegisteredShare: number;
}

/**
 * Plans a run: users per practice (stochastic rounding by seed), closures of practices that left the map
 * (a date between their last and first-missing releases; users then move to a current practice of the
 * same PCN, else sub-ICB, else ICB), and move destinations.
 */
export function planDemo(
  practices: readonly DemoPracticeRecord[],
  window: DemoWindow,
  scale: number,
  seed: number,
  model: DemoModel = DEMO_MODEL,
): DemoPlan {
  if (!(scale > 0)) throw new RangeError(`scale must be positive, got ${scale}`);
  const slots = demoSlots(window, model);
  const uEnd = registeredShare(window.to, model);
  const uStart = registeredShare(addDays(window.from, -1), model);
  const weighted = weightPractices(practices, model);
  const sorted = [...practices].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  const current = sorted.filter((p) => p.goneBy === null);
  const groupOf = new Map<string, number>();
  const moveTargets: string[][] = [];
  for (const p of current) {
    let g = groupOf.get(p.subIcbCode);
    if (g === undefined) {
      g = moveTargets.length;
      groupOf.set(p.subIcbCode, g);
      moveTargets.push([]);
    }
    moveTargets[g]!.push(p.code);
  }
  const pick = (candidates: DemoPracticeRecord[], key: string) =>
    candidates.length ? candidates[Math.floor(unitHash(key) * candidates.length)]!.code : null;
  const fromDay = dayNumber(window.from);
  const planned = practices.map((p, i) => {
    const w = weighted[i]!;
    const expected = scale * w.weight * uEnd;
    const users = Math.floor(expected + unitHash(`${seed}|users|${p.code}`));
    let closureAt: number | null = null;
    let closureDate: string | null = null;
    let successor: string | null = null;
    if (p.goneBy !== null) {
      const lo = dayNumber(p.lastSeen) + 1;
      const hi = dayNumber(p.goneBy);
      const day = lo + Math.floor(unitHash(`closure|${p.code}`) * Math.max(1, hi - lo + 1));
      const idx = day - fromDay;
      if (idx < window.days) {
        closureDate = dateOfDayNumber(day);
        closureAt = idx <= 0 ? 0 : slots.dayLo[idx]!;
        // A current practice of the same PCN, else sub-ICB location, else ICB, else anywhere.
        const key = `successor|${p.code}`;
        successor =
          (p.pcnCode !== null
            ? pick(
                current.filter((c) => c.pcnCode === p.pcnCode),
                key,
              )
            : null) ??
          pick(
            current.filter((c) => c.subIcbCode === p.subIcbCode),
            key,
          ) ??
          pick(
            current.filter((c) => c.icbCode === p.icbCode),
            key,
          ) ??
          pick(current, key);
        if (successor === null) closureAt = closureDate = null;
      }
    }
    const moveGroup =
      groupOf.get(p.subIcbCode) ??
      (current.length
        ? groupOf.get(current[Math.floor(unitHash(`group|${p.code}`) * current.length)]!.subIcbCode)!
        : -1);
    return { code: p.code, users, activity: w.activity, closureAt, closureDate, successor, moveGroup };
  });
  return { window, slots, practices: planned, moveTargets, preRegisteredShare: uEnd > 0 ? uStart / uEnd : 0 };
}

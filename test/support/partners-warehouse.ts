/**
 * Tests only: a small real warehouse (in memory) for the partner services, organ donation and GP system
 * supplier pages (issue 14 item 4), built by the same recipe as small-warehouse.ts (practice map, list sizes,
 * rebuildAreas, events through ingestEventFile, a WeeklyIntegratedPartners file through its importer,
 * buildMetrics). Four practices with three suppliers (EMIS, TPP, blank → Unknown), one without a list size;
 * random logins every day from September to mid-November 2026, jump-offs to four partner services, organ
 * donation actions and registrations; two weeks of the partners feed (with a Cie variant, and rows for
 * an unknown practice). Tests compute expected figures from `activity_event` and FEED_ROWS, not the cube.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fixedClock } from '../../src/domain/clock.ts';
import type { MetricDefinition } from '../../src/domain/metric-definition.ts';
import { importIntegratedPartners } from '../../src/ingest/feeds/index.ts';
import type { Warehouse } from '../../src/warehouse/db.ts';
import { buildWarehouse, EVENT_HEADER, fromCodes, rng } from './warehouse-builder.ts';

/** practice, PCN, sub-ICB, ICB, region, supplier. */
export const PRACTICES: [string, string, string, string, string, string][] = [
  ['A00001', 'U00001', '00A', 'QA1', 'Y56', 'EMIS'],
  ['A00002', 'U00001', '00A', 'QA1', 'Y56', 'TPP'],
  ['A00003', 'U00002', '00B', 'QA1', 'Y56', 'EMIS'],
  ['A00004', 'U00003', '00C', 'QA2', 'Y58', ''],
];
/** 13+ list sizes; A00003 has none, so it is left out of rates. */
export const LIST_SIZES_13PLUS: Record<string, number> = { A00001: 1000, A00002: 500, A00004: 400 };
export const PARTNER_SERVICES: [string, string][] = [
  ['Patients Know Best', 'messages'],
  ['Patients Know Best', 'appointments'],
  ['Substrakt Health', 'messages'],
  ['eConsult Health Ltd', 'onlineConsultation'],
];
const OD_TYPES = [
  'organ_donation_registered',
  'organ_donation_updated',
  'organ_donation_withdrawn',
  'organ_donation_lookup',
];

/** The feed's rows: Date, OdsCode, Provider, JumpOff, Clicks (two weeks: 5–11 October, 2–8 November). */
export const FEED_ROWS: [string, string, string, string, number][] = (() => {
  const rows: [string, string, string, string, number][] = [];
  const days = (start: number, month: string) =>
    Array.from({ length: 7 }, (_, i) => `2026-${month}-${String(start + i).padStart(2, '0')}`);
  for (const [i, d] of [...days(5, '10'), ...days(2, '11')].entries()) {
    rows.push([d, 'A00001', 'Patients Know Best', i % 2 ? 'messagesCie' : 'messages', 3 + (i % 4)]);
    rows.push([d, 'A00002', 'Accurx Limited', 'medical', 1 + (i % 3)]);
    rows.push([d, 'Z99999', 'Patients Know Best', 'messages', 2]);
  }
  return rows;
})();

export const PARTNERS_CLOCK = fixedClock('2026-11-21T12:00:00Z');

export interface PartnersWarehouse {
  db: Warehouse;
  catalogue: MetricDefinition[];
  close(): void;
}

export async function buildPartnersWarehouse(): Promise<PartnersWarehouse> {
  const r = rng(14);
  const codes = [...PRACTICES.map((p) => p[0]), 'ZZZ999'];
  const lines: string[] = [];
  let n = 0;
  const event = (day: string, type: string, practice: string, user: string, provider = '', service = '') =>
    lines.push(
      [`e${n++}`, `${day}T10:00:00Z`, type, `s${n}`, user, practice, 'P9', 'ios', '', provider, service].join(
        ',',
      ),
    );
  for (let t = Date.parse('2026-09-01'); t <= Date.parse('2026-11-15'); t += 86_400_000) {
    const day = new Date(t).toISOString().slice(0, 10);
    for (let k = 0; k < 6; k++) {
      const practice = codes[Math.floor(r() * codes.length)]!;
      const user = `${practice}-u${Math.floor(r() * 20)}`;
      event(day, 'login', practice, user);
      const roll = r();
      if (roll < 0.35) {
        const [provider, service] = PARTNER_SERVICES[Math.floor(r() * PARTNER_SERVICES.length)]!;
        event(day, 'jump_off', practice, user, provider, service);
      } else if (roll < 0.55) {
        event(day, OD_TYPES[Math.floor(r() * OD_TYPES.length)]!, practice, user);
      } else if (roll < 0.65) {
        event(day, 'registration', practice, user);
      }
    }
  }
  const built = await buildWarehouse({
    practices: PRACTICES.map(([practice, pcn, sub, icb, region, supplier]) => ({
      ...fromCodes('2026-01-01', [practice, 'LS1 4AP', pcn, sub, icb, region]),
      supplier,
    })),
    listSizes13plus: LIST_SIZES_13PLUS,
    events: { header: `${EVENT_HEADER},p9_route,provider,service`, lines },
    clock: PARTNERS_CLOCK,
    async beforeBuild(db, dir) {
      const feed = path.join(dir, 'WeeklyIntegratedPartners_NHSApp_Counts_20261109.csv');
      fs.writeFileSync(
        feed,
        ['Date,OdsCode,Provider,JumpOff,Clicks', ...FEED_ROWS.map((f) => f.join(','))].join('\n') + '\n',
      );
      await importIntegratedPartners(db, feed);
    },
  });
  return { db: built.db, catalogue: built.catalogue, close: () => built.close() };
}

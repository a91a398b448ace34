/**
 * Migrations 0025 and 0026 (ADR 0050): a warehouse whose events carry their users' ids keeps every event, each with its
 * user's key, and drops the id column; an event that had no key yet is keyed from user_dim. Loads after the
 * migration count the same users as before it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Warehouse } from '../warehouse/db.ts';
import { listMigrations, migrate } from '../warehouse/migrate.ts';
import { ingestEventFile } from './events.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'events-migration-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const EVENTS = `SELECT e.event_id, d.user_id, e.user_key, e.load_id FROM activity_event e
                LEFT JOIN user_dim d USING (user_key) ORDER BY e.event_id`;

describe('migrations 0025 and 0026 (events keep the user key only)', () => {
  it('keeps every event with its user, keys one that had none, and drops the id column', async () => {
    const db = await Warehouse.open(':memory:');
    try {
      await migrate(
        db,
        listMigrations().filter((m) => m.version < 25),
      );
      const insert = `INSERT INTO activity_event (event_id, event_time, event_date, event_type, session_id, user_id,
        practice_code, identity_level, channel, load_id, user_key)
        VALUES ($1, TIMESTAMPTZ '2026-05-01 10:00:00+00', DATE '2026-05-01', 'login', 's', $2, 'A81001', 'P9', 'ios', 1, $3)`;
      await db.run("INSERT INTO user_dim VALUES (1, 'u-one'), (2, 'u-two')");
      await db.run(insert, ['e1', 'u-one', 1]);
      await db.run(insert, ['e2', 'u-two', 2]);
      // Loaded before keys were given (0017 keyed every event; this one slipped through).
      await db.run(insert, ['e3', 'u-two', null]);
      expect(await migrate(db)).toEqual(expect.arrayContaining([25, 26]));
      const columns = await db.all<{ column_name: string }>(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = 'activity_event'",
      );
      expect(columns.map((c) => c.column_name)).not.toContain('user_id');
      expect(columns.map((c) => c.column_name)).toContain('user_key');
      expect(await db.all(EVENTS)).toEqual([
        { event_id: 'e1', user_id: 'u-one', user_key: 1, load_id: 1 },
        { event_id: 'e2', user_id: 'u-two', user_key: 2, load_id: 1 },
        { event_id: 'e3', user_id: 'u-two', user_key: 2, load_id: 1 },
      ]);

      // A load after the migration: a known user keeps the key, a new one takes the next.
      const file = path.join(dir, 'after.csv');
      fs.writeFileSync(
        file,
        'event_id,event_time,event_type,session_id,user_id,practice_code,identity_level,channel\n' +
          'e4,2026-05-02T10:00:00Z,login,s4,u-two,A81001,P9,ios\n' +
          'e5,2026-05-02T11:00:00Z,login,s5,u-three,A81001,P9,web\n',
      );
      await db.run(
        "INSERT INTO event_load (load_id, source_file, sha256, format, rows_read, rows_loaded, rows_duplicate, rows_rejected, unknown_practice_rows, is_demo, loaded_at) VALUES (1, 'before.csv', 'x', 'csv', 3, 3, 0, 0, 0, false, now()::TIMESTAMP)",
      );
      const loaded = await ingestEventFile(db, file, { now: new Date('2026-06-01T00:00:00Z') });
      expect(loaded).toMatchObject({ status: 'loaded', rowsLoaded: 2 });
      expect((await db.all(EVENTS)).slice(3)).toEqual([
        { event_id: 'e4', user_id: 'u-two', user_key: 2, load_id: 2 },
        { event_id: 'e5', user_id: 'u-three', user_key: 3, load_id: 2 },
      ]);
    } finally {
      db.close();
    }
  });
});

/**
 * The cube's integer keys of areas and metrics (area_dim, metric_dim), for reads that filter the cells on them
 * directly instead of joining the dimensions in every statement (ADR 0075). A version of the published figures
 * cannot change, so its keys are read once, all of them, and kept with it (readOnce); a warehouse that can
 * change is asked for the keys each read needs, each time.
 */
import { listValue } from '@duckdb/node-api';
import type { AreaLevel } from '../domain/areas.ts';
import type { Warehouse } from '../warehouse/db.ts';
import * as querySql from '../warehouse/sql/query.ts';
import { readOnce } from '../warehouse/unchanging.ts';

interface AllKeys {
  areas: Map<string, number>;
  metrics: Map<string, number>;
}

const areaName = (level: AreaLevel, code: string) => `${level}|${code}`;

async function allKeys(db: Warehouse): Promise<AllKeys | null> {
  if (!db.unchangingData()) return null;
  return readOnce(db, 'cube-keys', async () => {
    const keys: AllKeys = { areas: new Map(), metrics: new Map() };
    for (const r of await db.all(querySql.cubeKeys)) {
      (r.kind === 'area' ? keys.areas : keys.metrics).set(r.name, Number(r.key));
    }
    return keys;
  });
}

/** The area's key in the cube, or null when the cube has no figures for it at all. */
export async function areaKeyOf(db: Warehouse, level: AreaLevel, code: string): Promise<number | null> {
  const all = await allKeys(db);
  if (all) return all.areas.get(areaName(level, code)) ?? null;
  const row = await db.one(querySql.areaKey, [level, code]);
  return row ? Number(row.area_key) : null;
}

/** The keys of those of `ids` the cube has, and each key's metric id. */
export async function metricKeysOf(db: Warehouse, ids: readonly string[]): Promise<Map<number, string>> {
  const idOf = new Map<number, string>();
  const all = await allKeys(db);
  if (all) {
    for (const id of ids) {
      const key = all.metrics.get(id);
      if (key !== undefined) idOf.set(key, id);
    }
    return idOf;
  }
  if (ids.length === 0) return idOf;
  for (const r of await db.all(querySql.metricKeys, [listValue([...ids])]))
    idOf.set(Number(r.metric_key), r.metric_id);
  return idOf;
}

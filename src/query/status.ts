import type { Warehouse } from '../warehouse/db.ts';
import type { DataStatus, DemoInfo } from './types.ts';
import * as querySql from '../warehouse/sql/query.ts';
import { readOnce } from '../warehouse/unchanging.ts';

/** What has been loaded and built; each caller gets its own copy (it is read once per figures version). */
export async function getDataStatus(db: Warehouse): Promise<DataStatus & { dataVersion: number }> {
  return structuredClone(await readOnce(db, 'data status', () => readDataStatus(db)));
}

async function readDataStatus(db: Warehouse): Promise<DataStatus & { dataVersion: number }> {
  const row = await db.one<{
    built_at: string | null;
    data_version: string | null;
    demo: string | null;
    first_day: string | null;
    last_day: string | null;
  }>(querySql.dataStatus);
  let demo: DemoInfo | null = null;
  if (row?.demo) demo = JSON.parse(row.demo) as DemoInfo;
  return {
    refreshedAt: row?.built_at ?? null,
    dataVersion: row?.data_version ? Number(row.data_version) : 0,
    firstDay: row?.first_day ?? null,
    lastDay: row?.last_day ?? null,
    demo,
  };
}

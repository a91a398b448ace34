import type { AreaLevel } from '../domain/areas.ts';
import type { Grain, MetricDefinition } from '../domain/metric-definition.ts';
import type { AreaListItem, PageQueries } from '../http/deps.ts';
import { getAreaChildren, getAreaPage } from '../query/area-page.ts';
import { getNationalSummary } from '../query/national-summary.ts';
import { listAreasUnder } from '../query/ranking.ts';
import { searchAreas } from '../query/search.ts';
import { getDataStatus } from '../query/status.ts';
import type { Warehouse } from '../warehouse/db.ts';
import { parentLevel } from '../domain/areas.ts';
import * as querySql from '../warehouse/sql/query.ts';

/** The pages' read model over the warehouse. */
export class WarehouseQueries implements PageQueries {
  constructor(
    private readonly db: Warehouse,
    private readonly catalogue: MetricDefinition[],
  ) {}

  nationalSummary(opts: { grain: 'week' | 'month'; includePartial: boolean }) {
    return getNationalSummary(this.db, this.catalogue, opts);
  }

  async listAreas(opts: { level: AreaLevel; parent?: string }): Promise<AreaListItem[] | null> {
    if (opts.parent !== undefined) {
      const pLevel = parentLevel(opts.level);
      const found = pLevel ? await this.db.one(querySql.findArea, [pLevel, opts.parent]) : undefined;
      // Not the direct parent: any area above the level, by ODS or ONS code (issue 11).
      if (!found) return listAreasUnder(this.db, opts.level, opts.parent);
    }
    const rows = await this.db.all<{
      code: string;
      ons_code: string | null;
      name: string;
      place_name: string | null;
      level: AreaLevel;
      parent_level: AreaLevel | null;
      parent_code: string | null;
      is_current: boolean;
    }>(querySql.listAreas, [opts.level, opts.parent ?? null]);
    return rows.map((r) => ({
      code: r.code,
      onsCode: r.ons_code,
      name: r.name,
      placeName: r.place_name,
      level: r.level,
      parentCode: r.parent_code,
      parentLevel: r.parent_level,
      isCurrent: r.is_current,
    }));
  }

  areaPage(opts: { level: AreaLevel; code: string; grain: Grain; includePartial: boolean }) {
    return getAreaPage(this.db, this.catalogue, opts);
  }

  areaChildren(opts: { level: AreaLevel; code: string; grain: Grain }) {
    return getAreaChildren(this.db, this.catalogue, opts);
  }

  searchAreas(opts: { query: string }) {
    return searchAreas(this.db, opts);
  }

  async dataStatus() {
    const { dataVersion: _v, ...status } = await getDataStatus(this.db);
    return status;
  }
}

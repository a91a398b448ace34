import type { AreaLevel } from '../domain/areas.ts';
import type { Grain, MetricDefinition } from '../domain/metric-definition.ts';
import type { AreaListItem, PageQueries } from '../http/deps.ts';
import { getAreaChildren, getAreaPage } from '../query/area-page.ts';
import { getNationalSummary } from '../query/national-summary.ts';
import { listAreas } from '../query/area-list.ts';
import { searchAreas } from '../query/search.ts';
import { getDataStatus } from '../query/status.ts';
import type { Warehouse } from '../warehouse/db.ts';

/** The pages' read model over the warehouse. */
export class WarehouseQueries implements PageQueries {
  constructor(
    private readonly db: Warehouse,
    private readonly catalogue: MetricDefinition[],
  ) {}

  nationalSummary(opts: { grain: 'week' | 'month'; includePartial: boolean }) {
    return getNationalSummary(this.db, this.catalogue, opts);
  }

  listAreas(opts: { level: AreaLevel; parent?: string }): Promise<AreaListItem[] | null> {
    return listAreas(this.db, opts);
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

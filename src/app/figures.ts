/**
 * The figure reader of the command line (src/query/figures.ts): the operator's, who sees every figure as
 * staff do, over the warehouse or the published figure store opened for reading.
 */
import { OPERATOR_VIEWER } from '../domain/access.ts';
import { FigureAccess } from '../domain/figure-access.ts';
import type { MetricDefinition } from '../domain/metric-definition.ts';
import { FigureReader } from '../query/figures.ts';
import type { Warehouse } from '../warehouse/db.ts';
import { WarehouseQueries } from './warehouse-queries.ts';

export function operatorFigures(db: Warehouse, catalogue: MetricDefinition[]): FigureReader {
  return new FigureReader(new FigureAccess(OPERATOR_VIEWER, { catalogue, disclosure: false }), {
    catalogue,
    pages: new WarehouseQueries(db, catalogue),
    db,
  });
}

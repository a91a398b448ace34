import type { AreaLevel } from '../domain/areas.ts';
import type { Grain } from '../domain/metric-definition.ts';
import type {
  AreaChildren,
  AreaListItem,
  AreaPage,
  AreaSearchResults,
  DataStatus,
  NationalSummary,
} from './types.ts';

/**
 * The read model the pages and API need. Pages never run SQL: the query module implements this over the
 * warehouse; tests use an in-memory implementation (test/support/in-memory-queries.ts). The figure reader
 * (src/query/figures.ts) reads the pages' figures through it.
 */
export interface PageQueries {
  nationalSummary(opts: { grain: Grain; includePartial: boolean }): Promise<NationalSummary>;
  /**
   * Areas at `level` (current structure, in a stable order, e.g. by name or code), optionally only those
   * under `parent`: the code of an area at a higher level, normally the level just above (the route passes
   * it upper-cased and validated as 1–12 letters or digits). Returns null when no area has that code, which
   * the API answers with 404; an existing parent with no areas below at `level` gives [].
   */
  listAreas(opts: { level: AreaLevel; parent?: string }): Promise<AreaListItem[] | null>;
  dataStatus(): Promise<DataStatus>;
  /**
   * An area page: the area (today's structure, closed areas included), its ancestors, headline tiles with
   * comparisons, trends and children. `code` is upper-case. Null when there is no area at `level` with that
   * code (the page answers 404).
   */
  areaPage(opts: {
    level: AreaLevel;
    code: string;
    grain: Grain;
    includePartial: boolean;
  }): Promise<AreaPage | null>;
  /**
   * An area's children with their figures for the latest complete period (e.g. England's regions). Null when
   * the area does not exist or has no level below it.
   */
  areaChildren(opts: { level: AreaLevel; code: string; grain: Grain }): Promise<AreaChildren | null>;
  /**
   * Areas matching a search by name, ODS or ONS code or practice postcode, best first, at most 50. The query
   * is passed as typed (1 to 100 characters once tidied); implementations tidy it with normaliseSearch.
   */
  searchAreas(opts: { query: string }): Promise<AreaSearchResults>;
}

/** The reference-data layer: NHS practice maps and list sizes into the warehouse, the area model, boundaries. */
export { rebuildAreas, areasNeedRebuild } from './areas.ts';
export {
  loadBoundaries,
  type BoundaryCollection,
  type BoundaryLevel,
  type BoundaryStructure,
} from './boundaries.ts';
export { loadBundledReference, bundledReferenceFiles, type BundledLoadResult } from './bundled.ts';
export { type ImportSummary, type ReferenceKind, type ReleaseSummary, REFERENCE_KINDS } from './common.ts';
export { detectReferenceKind, importReferenceFile } from './import.ts';
export {
  importListSizeAll,
  importListSizeQuinary,
  importListSizeSingleAge,
  importListSizes,
} from './list-sizes.ts';
export { importPracticeMap } from './practice-map.ts';

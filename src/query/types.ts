import type { AreaLevel } from '../domain/areas.ts';
import type { Grain } from '../domain/metric-definition.ts';
import type { Verdict } from '../domain/statistics.ts';

export type Structure = 'current' | 'as_recorded';

export interface SeriesPoint {
  /** First day of the week (Monday) or month, YYYY-MM-DD, Europe/London. */
  periodStart: string;
  value: number;
  /** False for the partial period still being loaded; only present when the caller asked for it. */
  complete: boolean;
  /** Rates only: the numerator and denominator used, and the share of the numerator metric they cover. */
  numerator?: number;
  denominator?: number;
  coverage?: number | null;
  /** Rates and proportions with a denominator: 95% and 99.8% confidence limits (docs/adr/0022). */
  lowerCi95?: number;
  upperCi95?: number;
  lowerCi998?: number;
  upperCi998?: number;
}

export interface SummaryTile {
  metricId: string;
  name: string;
  shortName: string;
  description: string;
  unit: string;
  polarity: 'higher_is_better' | 'lower_is_better' | 'neutral';
  latest: SeriesPoint | null;
  previous: SeriesPoint | null;
  /** Percentage change of latest on previous; null when previous is missing or zero. */
  changePct: number | null;
  /**
   * The same period a year earlier (the same month, or the week 52 weeks before: yearEarlierStart), so that
   * a change is read without the seasons in it; null when there is no figure for it (no data is not zero).
   */
  yearEarlier: SeriesPoint | null;
  /** Percentage change of latest on yearEarlier; null when either is missing or partial, or it is zero. */
  changeOnYearPct: number | null;
}

export interface DemoInfo {
  scale: number;
  seed: number;
  generatedAt: string;
}

export interface DataStatus {
  /** When the figures were last built (ISO instant), null before the first build. */
  refreshedAt: string | null;
  /** First and last Europe/London dates with activity loaded. */
  firstDay: string | null;
  lastDay: string | null;
  /** Set when the warehouse holds synthetic demo activity rather than real NHS App data. */
  demo: DemoInfo | null;
}

export interface NationalSummary {
  grain: Grain;
  includePartial: boolean;
  status: DataStatus;
  areaLevel: AreaLevel;
  areaCode: string;
  areaName: string;
  tiles: SummaryTile[];
  /** One series per tile metric, oldest first. */
  series: Record<string, SeriesPoint[]>;
}

/** An area as named in breadcrumbs, links and comparisons. */
export interface AreaRef {
  level: AreaLevel;
  code: string;
  name: string;
  isCurrent: boolean;
  /** Sub-ICB locations: the place name from the former CCG ("Leeds"; docs/adr/0028); null or absent otherwise. */
  placeName?: string | null;
}

/** One area's reference details (today's structure; closed areas keep their last known details). */
export interface AreaDetail extends AreaRef {
  onsCode: string | null;
  parentLevel: AreaLevel | null;
  parentCode: string | null;
  /** Practices only: postcode and GP system supplier from the practice map. */
  postcode: string | null;
  supplierName: string | null;
  /** Extract dates of the first and last practice-map releases the area appears in. */
  firstExtract: string | null;
  lastExtract: string | null;
}

/** One area's figure of a comparison metric (a rate) in one period. */
export interface ComparisonFigure {
  area: AreaRef;
  /** Which role the area plays on the page. */
  role: 'area' | 'parent' | 'icb' | 'england';
  /** Null when the figure is not available (no 13+ list sizes, or a closed area above practice level). */
  value: number | null;
  /** Share of the numerator metric the rate includes (practices with a list size); null when unknown. */
  coverage: number | null;
  /** The rate's parts (its count and patients), so that a reader can work it out again (ADR 0061). */
  numerator?: number | null;
  denominator?: number | null;
  /** 95% and 99.8% confidence limits of the value (docs/adr/0022); null when none can be computed. */
  lowerCi95: number | null;
  upperCi95: number | null;
  lowerCi998: number | null;
  upperCi998: number | null;
}

/** A headline tile of an area page: the area's own figure, and a rate to compare with its parent and England. */
export interface AreaTile extends SummaryTile {
  comparison: {
    metricId: string;
    name: string;
    unit: string;
    /** The catalogue has no such metric: a per-1,000 rate derived from the count (docs/adr/0006). */
    derived: boolean;
    periodStart: string;
    figures: ComparisonFigure[];
    /** The area's 95% interval against England's and the parent's value (docs/adr/0022). */
    comparedWithEngland: Verdict;
    comparedWithParent: Verdict;
    /** PCN and practice pages: against their ICB's value (the ICB is then a figure of its own, ADR 0064). */
    comparedWithIcb?: Verdict;
  } | null;
}

/** One child area in an area's children table, for one period. */
export interface ChildRow {
  level: AreaLevel;
  code: string;
  name: string;
  /** Sub-ICB locations: the place name (docs/adr/0028); null otherwise. */
  placeName: string | null;
  onsCode: string | null;
  postcode: string | null;
  isCurrent: boolean;
  logins: number;
  users: number;
  /** Users logging in per 1,000 patients aged 13+ (null without a list size), and its coverage. */
  usersPer1000: number | null;
  usersPer1000Coverage: number | null;
  /** Percentage of patients aged 13+ registered for the App (null without a list size), and its coverage. */
  registeredPct: number | null;
  registeredPctCoverage: number | null;
  /** The rates' counts and patients aged 13+, so that a reader can work them out again (ADR 0061). */
  rateParts?: { usersPer1000: number | null; registeredPct: number | null; denominator: number | null };
}

export interface AreaChildren {
  parent: AreaRef;
  level: AreaLevel;
  grain: Grain;
  /** The period of the figures (latest complete one, or the last one with activity for a closed parent). */
  periodStart: string | null;
  /** Names of the table's columns, from the catalogue. */
  columns: { logins: string; users: string; usersPer1000: string; registeredPct: string };
  rows: ChildRow[];
}

export interface AreaPage {
  grain: Grain;
  includePartial: boolean;
  status: DataStatus;
  area: AreaDetail;
  /** England first, down to the area's parent. */
  ancestors: AreaRef[];
  /** Closed areas above practice level have figures only as recorded at the time. */
  structure: Structure;
  /** Closed areas: the last period with activity (figures are shown up to it); null otherwise. */
  lastActivePeriod: string | null;
  /** The latest complete period of the loaded data at this grain (whatever the area), or null. */
  latestCompletePeriod: string | null;
  tiles: AreaTile[];
  series: Record<string, SeriesPoint[]>;
  /** Null for practices (no level below). */
  children: AreaChildren | null;
  /**
   * Per headline metric id, where the area stands among areas of its level (src/query/peers.ts): the
   * spread of the figure compared on (p10–p90 per period, the band behind the area's line) and the
   * area's rank in the latest period. Absent for metrics without peers.
   */
  peerBands?: Record<string, PeerBand[]>;
  peerPositions?: Record<string, PeerPosition>;
  /** Practice pages: list sizes, supplier, PCN and rank in the ICB (src/query/practice-context.ts). */
  practiceContext?: PracticeContext | null;
  /**
   * Per headline metric id, the trend drawn rates first (docs/adr/0022): the rate the tile compares on (the
   * metric itself for a rate or percentage, its rate per 1,000 patients aged 13+ for a count) for the area,
   * its parent and England, period by period. Absent for metrics without a rate (and closed areas above
   * practice level, which have no rates); `peerBands` is then on this rate.
   */
  trends?: Record<string, AreaTrend>;
  /**
   * Per headline metric id, England's series (the same periods; absent on England's own page): a change
   * around a date is set against the rest of England's, England's less the area's (ADR 0065).
   */
  englandSeries?: Record<string, SeriesPoint[]>;
}

/** A headline metric's rate over time for the area, its parent and England (same periods as the series). */
export interface AreaTrend {
  metricId: string;
  name: string;
  unit: string;
  derived: boolean;
  area: SeriesPoint[];
  parent: { area: AreaRef; points: SeriesPoint[] } | null;
  england: { area: AreaRef; points: SeriesPoint[] } | null;
}

/** Where an area stands among the areas of its level in one period, on the figure its tile compares. */
export interface PeerPosition {
  /** The metric compared (a rate: the tile's metric or the per-1,000 rate of its count). */
  metricId: string;
  metricName: string;
  unit: string;
  periodStart: string;
  count: number;
  value: number | null;
  rank: number | null;
  percentileRank: number | null;
  /** Peers with exactly this figure (the area among them): more than one makes the rank a joint one. */
  equal?: number | null;
}

export interface AreaSearchResult extends AreaRef {
  onsCode: string | null;
  postcode: string | null;
  parent: { level: AreaLevel; code: string; name: string; placeName?: string | null } | null;
  /** The search text is exactly the area's ODS or ONS code. */
  exactCode: boolean;
  /**
   * ICBs and regions found by what they hold: the place names of their sub-ICB locations that matched the
   * search (["Leeds"]; docs/adr/0028). Absent for areas found by their own name or code.
   */
  contains?: string[];
  /** For practices found near a postcode: the sub-ICB location and ICB they belong to. */
  areaText?: string | null;
}

export interface AreaSearchResults {
  query: string;
  /** Number of matching areas; at most `limit` are in `results`. */
  total: number;
  results: AreaSearchResult[];
  /** Set when no area matched a postcode and these are GP practices near it (its outward code). */
  near?: string;
  /** Set when nothing matched and the search with its misspelt words corrected finds areas: that search. */
  didYouMean?: string;
}

/** One area in a list (API and pages). */
export interface AreaListItem {
  code: string;
  onsCode: string | null;
  name: string;
  /** Sub-ICB locations: the place name (docs/adr/0028); null otherwise. */
  placeName: string | null;
  level: AreaLevel;
  parentCode: string | null;
  parentLevel: AreaLevel | null;
  isCurrent: boolean;
}

/** An area as a row of a table of areas names it. */
export interface NamedArea {
  code: string;
  name: string;
  /** Sub-ICB locations: the place name (docs/adr/0028); null otherwise. */
  placeName: string | null;
  onsCode: string | null;
  isCurrent: boolean;
}

export interface PeerBand {
  periodStart: string;
  /** False for the partial period at either end of the loaded data. */
  complete: boolean;
  p10: number;
  p25: number;
  p50: number;
  p75: number;
  p90: number;
  count: number;
}

export type ExclusionReason = 'closed' | 'not-yet-open' | 'small-list';

export interface PracticeRank {
  metricId: string;
  name: string;
  shortName: string;
  unit: string;
  value: number | null;
  /** 1 for the highest; null when the practice has no figure or was left out. */
  rank: number | null;
  /** Practices ranked (those with a figure). */
  of: number;
  /** Why the practice is not in the ranking, when it is left out. */
  excluded: ExclusionReason | null;
  /** The ranking's threshold (patients of all ages), for "fewer than 1,000 patients". */
  minListSize: number;
}

export interface PracticeContext {
  code: string;
  name: string;
  supplierName: string | null;
  pcn: AreaRef | null;
  icb: AreaRef | null;
  grain: Grain;
  /** The latest complete period the figures are for; null before any complete period is loaded. */
  periodStart: string | null;
  /** Registered patients in that period; null when the practice has no list size. */
  patients13plus: number | null;
  patientsAll: number | null;
  ranks: PracticeRank[];
}

import type { AreaLevel } from '../domain/areas.ts';
import type { Grain } from '../domain/metric-definition.ts';

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

/**
 * One viewer's access to figures: which they may see (the open-data rule, src/domain/access.ts) and how
 * counts reach them (disclosure control, src/domain/disclosure.ts). The figure reader (src/query/figures.ts)
 * holds one per request and applies it to everything it returns, so no page, API route, CSV or command
 * applies these rules itself (issue 9, ADR 0043). Pure.
 */
import {
  canViewFigure,
  catalogueMetric,
  isOpenFigure,
  OPEN_DATA_GRAINS,
  OPEN_DATA_LEVELS,
  type OpenCatalogue,
  type OpenMetricRef,
  type Viewer,
} from './access.ts';
import type { AreaLevel } from './areas.ts';
import { discloseCount, disclosureApplies, type DisclosedCount } from './disclosure.ts';
import { isPatientRate, type Grain } from './metric-definition.ts';

/** A figure this viewer may not see: the edge answers "sign in" (401, or a redirect to sign-in on pages). */
export class RestrictedFigureError extends Error {
  constructor(message = 'Sign in with an NHS email address to see these figures.') {
    super(message);
    this.name = 'RestrictedFigureError';
  }
}

/** The settings access depends on besides the viewer. */
export interface FigureRules {
  /** The catalogue, to follow rates and running totals to the counts they are made of. */
  catalogue: OpenCatalogue;
  /** OPEN_DATA_DISCLOSURE: counts below England go to visitors disclosure-controlled. */
  disclosure: boolean;
}

/** A count as it reaches someone, or null when it never does (no figure, or suppressed). */
export type CountDiscloser = (value: number | null) => number | null;

export class FigureAccess {
  constructor(
    readonly viewer: Viewer,
    readonly rules: FigureRules,
  ) {}

  /** Whether this viewer may see a metric's figures at this level and grain. */
  canSee(metric: OpenMetricRef, level: AreaLevel, grain: Grain): boolean {
    return canViewFigure(this.viewer, { metric, level, grain, catalogue: this.rules.catalogue });
  }

  /** Throws RestrictedFigureError unless this viewer may see the figure. */
  require(metric: OpenMetricRef, level: AreaLevel, grain: Grain, message?: string): void {
    if (!this.canSee(metric, level, grain)) throw new RestrictedFigureError(message);
  }

  /**
   * Visitors open a figure page only at the open levels and grains; otherwise they sign in (the redirect keeps
   * the page's settings).
   */
  requirePage(level: AreaLevel, grain: Grain): void {
    if (this.viewer.signedIn) return;
    if (!OPEN_DATA_GRAINS.includes(grain)) {
      throw new RestrictedFigureError('Sign in with an NHS email address to see weekly figures.');
    }
    if (!OPEN_DATA_LEVELS.includes(level)) {
      throw new RestrictedFigureError('Sign in with an NHS email address to see figures for local areas.');
    }
  }

  /** Whether counts of this unit at this level reach this viewer disclosure-controlled. */
  discloses(unit: string, level: AreaLevel): boolean {
    return !this.viewer.signedIn && this.controlled(unit, level);
  }

  /** A count as this viewer may see it (exact, or suppressed / rounded under disclosure control). */
  count(value: number, unit: string, level: AreaLevel): DisclosedCount {
    return this.discloses(unit, level) ? discloseCount(value) : { suppressed: false, value };
  }

  /**
   * Whether rates of `metric` at this level reach this viewer worked out from disclosed counts: a rate over
   * patients aged 13+ whose count is under disclosure control. The exact rate times the open list size would
   * give the exact count back (ADR 0061).
   */
  disclosesRate(metric: OpenMetricRef, level: AreaLevel): boolean {
    return !this.viewer.signedIn && this.rateControlled(metric, level);
  }

  /** A function disclosing counts of this unit at this level for this viewer; null when they go out exact. */
  discloser(unit: string, level: AreaLevel): CountDiscloser | null {
    if (!this.discloses(unit, level)) return null;
    return (value) => (value === null ? null : discloseCount(value).value);
  }

  /**
   * Whether a figure goes out the same to everyone (open data, and no disclosure control of its unit at its
   * level): only then may a shared cache keep an answer built from it.
   */
  isShared(metric: OpenMetricRef, level: AreaLevel, grain: Grain, unit: string): boolean {
    return (
      isOpenFigure({ metric, level, grain, catalogue: this.rules.catalogue }) &&
      !this.controlled(unit, level) &&
      !this.rateControlled(metric, level)
    );
  }

  /** A rate over patients aged 13+ whose count's unit is under disclosure control at this level. */
  private rateControlled(metric: OpenMetricRef, level: AreaLevel): boolean {
    if (!isPatientRate(metric) || !metric.numerator) return false;
    const count = catalogueMetric(this.rules.catalogue, metric.numerator);
    // A numerator the catalogue does not have is treated as a count: never given out exact by mistake.
    return this.controlled(count?.unit ?? 'events', level);
  }

  private controlled(unit: string, level: AreaLevel): boolean {
    return disclosureApplies({ enabled: this.rules.disclosure, level, unit });
  }
}

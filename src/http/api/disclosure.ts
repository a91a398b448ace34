/**
 * Statistical disclosure control in the API, as on the pages (src/http/open-data.ts): when
 * OPEN_DATA_DISCLOSURE is on, counts below England served to visitors who are not signed in are suppressed
 * (1–7 become null) or rounded to the nearest 5, and figures that would let the exact count be worked back
 * (change on the previous period, share of the parent, peer ranks) are withheld.
 */
import type { FastifyRequest } from 'fastify';
import type { AreaLevel } from '../../domain/areas.ts';
import { discloseCount, disclosureApplies } from '../../domain/disclosure.ts';
import type { RouteContext } from '../route-context.ts';

/** Whether disclosure control applies to this metric at this level for visitors (whoever asks now). */
export function disclosureActive(ctx: RouteContext, unit: string, level: AreaLevel): boolean {
  return disclosureApplies({ enabled: ctx.deps.config.auth.openDataDisclosure, level, unit });
}

/** For this request: a function that discloses a count, or null when figures go out exact. */
export function disclosureFor(
  request: FastifyRequest,
  ctx: RouteContext,
  unit: string,
  level: AreaLevel,
): ((value: number | null) => number | null) | null {
  if (request.viewer.signedIn || !disclosureActive(ctx, unit, level)) return null;
  return (value) => (value === null ? null : discloseCount(value).value);
}

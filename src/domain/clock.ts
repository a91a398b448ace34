/** Where "now" comes from: injectable so that period logic and the demo generator are testable. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export function fixedClock(instant: Date | string): Clock {
  const d = typeof instant === 'string' ? new Date(instant) : instant;
  if (Number.isNaN(d.getTime())) throw new Error(`invalid instant ${String(instant)}`);
  return { now: () => new Date(d.getTime()) };
}

import { fixedClock, systemClock, type Clock } from '../domain/clock.ts';
import { isIsoDate } from '../domain/periods.ts';

export class UsageError extends Error {}

export function parseNumberOption(
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a number from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

/** A comma-separated list of numbers (`--scale 0.05,0.1`), each checked as parseNumberOption does. */
export function parseNumberListOption(
  name: string,
  raw: string | undefined,
  min: number,
  max: number,
): number[] {
  if (raw === undefined) return [];
  const values = raw.split(',').map((part) => parseNumberOption(name, part, NaN, min, max));
  return [...new Set(values)];
}

/** The clock for a command: --today YYYY-MM-DD (or NHS_APP_ANALYTICS_TODAY) pins "now" to noon UTC that day. */
export function clockFrom(today: string | undefined, env: NodeJS.ProcessEnv = process.env): Clock {
  const value = today ?? env.NHS_APP_ANALYTICS_TODAY;
  if (value === undefined || value === '') return systemClock;
  if (!isIsoDate(value)) throw new UsageError(`--today must be a date like 2026-11-21, got "${value}"`);
  return fixedClock(`${value}T12:00:00Z`);
}

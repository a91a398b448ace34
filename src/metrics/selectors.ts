import type { MetricDefinition } from '../domain/metric-definition.ts';
import { metricKind } from '../domain/metric-kind.ts';

/** How a metric counts its events: events, users per week and month, or users in the 12 months to a month. */
export function selectorKind(m: MetricDefinition): 'count' | 'unique' | 'unique_12m' {
  const kind = metricKind(m).kind;
  if (kind === 'count') return 'count';
  return kind === 'rolling_window' ? 'unique_12m' : 'unique';
}

/** A selector's identity: metrics with the same one count the same users (computed once). */
export function selectorSig(m: MetricDefinition): string {
  const where = Object.entries(m.events?.where ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify([[...(m.events?.types ?? [])].sort(), where]);
}

/** One row of the build's metric_selector table: a metric and one event type it counts, with its filters. */
export interface SelectorRow {
  metricId: string;
  kind: 'count' | 'unique' | 'unique_12m';
  sig: string;
  /** sig as a small number within one build (1, 2, … in catalogue order). */
  sigKey: number;
  eventType: string;
  identityLevel: string | null;
  recordType: string | null;
  channel: string | null;
  provider: string | null;
  service: string | null;
  p9Route: string | null;
}

/**
 * The selector rows of the metrics counted from events (cumulative ones aside), in catalogue order: the same
 * rows for the DuckDB build and for its ClickHouse equivalent (ADR 0027).
 */
export function metricSelectorRows(metrics: MetricDefinition[]): SelectorRow[] {
  const sigKeys = new Map<string, number>();
  const rows: SelectorRow[] = [];
  for (const m of metrics) {
    const kind = metricKind(m).kind;
    if (!m.events || (kind !== 'count' && kind !== 'unique_users' && kind !== 'rolling_window')) continue;
    const where = m.events.where ?? {};
    const sig = selectorSig(m);
    if (!sigKeys.has(sig)) sigKeys.set(sig, sigKeys.size + 1);
    for (const type of m.events.types) {
      rows.push({
        metricId: m.id,
        kind: selectorKind(m),
        sig,
        sigKey: sigKeys.get(sig)!,
        eventType: type,
        identityLevel: where.identity_level ?? null,
        recordType: where.record_type ?? null,
        channel: where.channel ?? null,
        provider: where.provider ?? null,
        service: where.service ?? null,
        p9Route: where.p9_route ?? null,
      });
    }
  }
  return rows;
}

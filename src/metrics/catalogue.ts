import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../config.ts';
import {
  checkCatalogue,
  metricDefinitionSchema,
  type MetricDefinition,
} from '../domain/metric-definition.ts';

export const METRICS_DIR = path.join(REPO_ROOT, 'metrics');

export class CatalogueError extends Error {}

/** Loads and validates every metrics/*.yaml file (one metric per file, named after its id). */
export function loadCatalogue(dir = METRICS_DIR): MetricDefinition[] {
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  const metrics: MetricDefinition[] = [];
  const errors: string[] = [];
  for (const file of files) {
    const full = path.join(dir, file);
    let raw: unknown;
    try {
      raw = parse(fs.readFileSync(full, 'utf8'));
    } catch (err) {
      errors.push(`${file}: not valid YAML: ${(err as Error).message}`);
      continue;
    }
    const result = metricDefinitionSchema.safeParse(raw);
    if (!result.success) {
      for (const issue of result.error.issues) {
        errors.push(`${file}: ${issue.path.join('.') || '(file)'}: ${issue.message}`);
      }
      continue;
    }
    if (`${result.data.id}.yaml` !== file) errors.push(`${file}: file name must be ${result.data.id}.yaml`);
    metrics.push(result.data);
  }
  errors.push(...checkCatalogue(metrics));
  if (errors.length > 0) throw new CatalogueError(`Invalid metric definitions:\n${errors.join('\n')}`);
  return metrics.sort((a, b) => a.display_order - b.display_order || a.id.localeCompare(b.id));
}

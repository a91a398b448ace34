import type { MetricDefinition } from '../domain/metric-definition.ts';
import type { AppDeps } from './deps.ts';
import type { Renderer } from './render.ts';

/** What a route module gets: the app's dependencies, the page renderer and the metric catalogue. */
export interface RouteContext {
  deps: AppDeps;
  renderer: Renderer;
  catalogue: readonly MetricDefinition[];
}

/** Data table, data dictionary and About pages (issue 4). */
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from './route-context.ts';

export function registerInfoRoutes(_app: FastifyInstance, _ctx: RouteContext): void {
  // Routes are added here.
}

/** The map page (issue 4). */
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from './route-context.ts';

export function registerMapRoutes(_app: FastifyInstance, _ctx: RouteContext): void {
  // Routes are added here.
}

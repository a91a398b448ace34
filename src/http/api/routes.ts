/** The JSON and CSV API under /api/v1 (issue 4). */
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../route-context.ts';

export function registerApiRoutes(_app: FastifyInstance, _ctx: RouteContext): void {
  // Routes are added here.
}

/** Admin pages: users, audit log, refresh history (issue 5). */
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from './route-context.ts';

export function registerAdminRoutes(_app: FastifyInstance, _ctx: RouteContext): void {
  // Routes are added here.
}

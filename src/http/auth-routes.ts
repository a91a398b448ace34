/** Sign-in, sign-out and personal API tokens (issue 5). */
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from './route-context.ts';

export function registerAuthRoutes(_app: FastifyInstance, _ctx: RouteContext): void {
  // Routes are added here.
}

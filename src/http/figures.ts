/**
 * Every request reads figures through `request.figures`: the figure reader made for its viewer
 * (src/query/figures.ts), which applies the open-data rule and disclosure control inside (ADR 0043).
 */
import type { FastifyInstance } from 'fastify';
import { FigureAccess, type FigureRules } from '../domain/figure-access.ts';
import { FigureReader, type FigureSource } from '../query/figures.ts';
import type { RouteContext } from './route-context.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** This request's figure reader (set after the viewer is known). */
    figures: FigureReader;
  }
}

/** After registerAccess (the reader is made for the viewer it found). */
export function registerFigureReader(app: FastifyInstance, ctx: RouteContext): void {
  const rules: FigureRules = {
    catalogue: ctx.catalogue,
    disclosure: ctx.deps.config.auth.openDataDisclosure,
  };
  const source: FigureSource = { catalogue: ctx.catalogue, pages: ctx.deps.queries, db: ctx.deps.db };
  app.decorateRequest('figures', null as unknown as FigureReader);
  app.addHook('onRequest', async (request) => {
    request.figures = new FigureReader(new FigureAccess(request.viewer, rules), source);
  });
}

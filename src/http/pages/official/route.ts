/**
 * GET /official: the Official statistics page (issue 12d), open to everyone. Parameters as the API's
 * /api/v1/official (measure, level, code, from, to), all optional here: default logins for England.
 * Validated: a bad value answers the NHS-styled 400 naming it; an area the publication does not have, 404.
 */
import type { FastifyInstance } from 'fastify';
import { miMeasureById } from '../../../domain/mi-measures.ts';
import {
  getOfficialEditions,
  getOfficialRevisions,
  getOfficialRows,
  type OfficialLevel,
} from '../../../query/official.ts';
import * as querySql from '../../../warehouse/sql/query.ts';
import { buildOfficialView, type OfficialPageInput } from './view.ts';
import { OFFICIAL_PAGE_QUERY, officialQuery, type OfficialPageQuery } from './state.ts';
import { sendError } from '../../errors.ts';
import type { RouteContext } from '../../route-context.ts';

export function registerOfficialPage(app: FastifyInstance, ctx: RouteContext): void {
  app.get(
    '/official',
    { config: { access: 'public' }, schema: { querystring: OFFICIAL_PAGE_QUERY } },
    async (request, reply) => {
      const q = request.query as OfficialPageQuery;
      const measure = miMeasureById(q.measure ?? 'logins')!;
      const level: OfficialLevel = q.level ?? 'england';
      const from = q.from || undefined;
      const to = q.to || undefined;
      let code = q.code ? q.code.toUpperCase() : undefined;
      if (level === 'england') code = undefined;
      const db = ctx.deps.db;
      if (from && to && from > to)
        return sendError(
          ctx.renderer,
          request,
          reply,
          400,
          'There is a problem with the address',
          'The from month must not be after the to month.',
        );
      if (code !== undefined && !(await db.scalar<boolean>(querySql.officialCodeExists, [level, code])))
        return reply.callNotFound();
      const all =
        measure.nationalOnly && level !== 'england'
          ? []
          : await getOfficialRows(db, { measure: measure.measure, level });
      const areas = new Map<string, string>();
      for (const r of all) if (!areas.has(r.code)) areas.set(r.code, r.name);
      const rows = all.filter(
        (r) =>
          (code === undefined || r.code === code) && (!from || r.month >= from) && (!to || r.month <= to),
      );
      const revisions = await getOfficialRevisions(db, {
        measure: measure.measure,
        ...(level === 'region' ? {} : { level, ...(code ? { code } : {}) }),
      });
      // Beside the official figures, the ones computed from App activity (when the product computes the measure
      // and the visitor may see them; a single area or England, to keep the table readable).
      let reconciliation: OfficialPageInput['reconciliation'] = null;
      const single = level === 'england' || code !== undefined;
      const metric = ctx.catalogue.find((m) => m.id === measure.measure);
      if (single && metric && request.figures.access.canSee(metric, level, 'month')) {
        const rec = await request.figures.reconciliation({
          measure: measure.measure,
          level,
          code,
          from,
          to,
        });
        if (rec && rec.rows.some((r) => r.computed !== null)) {
          const status = await ctx.deps.queries.dataStatus();
          reconciliation = {
            metricName: rec.metric.name,
            structure:
              level === 'england'
                ? 'every event in England'
                : rec.rows[0]!.computedStructure === 'as-recorded'
                  ? 'events attributed to the areas as recorded at the time (the same ICB structure as the edition)'
                  : "events attributed to today's areas (the structure of the remapped editions)",
            rows: rec.rows,
            demo: status.demo !== null,
            demoScale: status.demo?.scale ?? null,
            csvHref: `/api/v1/official/reconciliation?${officialQuery({ measure: measure.measure, level, code, from, to })}&format=csv`,
          };
        }
      }
      const view = buildOfficialView({
        selection: { measure, level, code, from, to },
        rows,
        areas: [...areas]
          .map(([c, name]) => ({ code: c, name }))
          .sort((a, b) => a.name.localeCompare(b.name)),
        editions: await getOfficialEditions(db),
        revisions,
        reconciliation,
      });
      const body = ctx.renderer.page(
        'official/official.njk',
        { pageTitle: `Official statistics: ${measure.label}`, view },
        '/official',
      );
      return reply.header('Cache-Control', 'no-cache').type('text/html; charset=utf-8').send(body);
    },
  );
}

/**
 * The route table of the HTML pages: each page is a folder here (docs/adr/0037) holding its route.ts (the
 * paths it registers), state.ts (its URL state, where it has its own), view.ts (its view model) and its
 * template. buildApp (src/http/app.ts) registers them all with this one call; the API, sign-in, account and
 * admin are registered there.
 */
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../route-context.ts';
import { registerAboutPage } from './about/route.ts';
import { registerApiDocsRoutes } from './api-docs/route.ts';
import { registerAreaPage } from './area/route.ts';
import { registerAreasPage } from './areas/route.ts';
import { registerBookingPages, warehouseBookingReader } from './booking/route.ts';
import { registerDataTablePage } from './data-table/route.ts';
import { registerDictionaryPages } from './dictionary/route.ts';
import { registerMapPage } from './map/route.ts';
import { registerNationalSummaryPage } from './national-summary/route.ts';
import { registerOfficialPage } from './official/route.ts';
import { registerDemographicsPage } from './demographics/route.ts';
import { registerOpenDataPages } from './open-data/route.ts';
import { registerPartnerPages } from './partners/route.ts';
import { registerRankingPage } from './ranking/route.ts';
import { registerSearchPage } from './search/route.ts';
import { registerServicePages } from './service/route.ts';

export function registerPages(app: FastifyInstance, ctx: RouteContext): void {
  registerNationalSummaryPage(app, ctx);
  registerAreasPage(app, ctx);
  registerAreaPage(app, ctx);
  registerSearchPage(app, ctx);
  registerMapPage(app, ctx);
  registerRankingPage(app, ctx);
  registerDataTablePage(app, ctx);
  registerDictionaryPages(app, ctx);
  registerAboutPage(app, ctx);
  registerPartnerPages(app, ctx);
  registerOfficialPage(app, ctx);
  registerDemographicsPage(app, ctx);
  registerOpenDataPages(app, ctx);
  registerBookingPages(app, ctx, warehouseBookingReader(ctx.deps.db));
  registerServicePages(app, ctx);
  registerApiDocsRoutes(app, ctx);
}

/**
 * The pages a public NHS service needs (issue 14.8), from the NHS service manual's patterns: accessibility
 * statement, privacy notice, cookies, contact and feedback (the Beta banner links to feedback). Their facts
 * come from the running configuration — the session and audit limits, the cookie names actually set — so the
 * pages cannot drift from what the service does. Their templates are beside this file (`service/<page>.njk`).
 */
import type { FastifyInstance } from 'fastify';
import { signInCookieMinutes, type AuthConfig } from '../../../auth/config.ts';
import { oidcCookieName } from '../../oidc-routes.ts';
import type { RouteContext } from '../../route-context.ts';
import { sendHtml } from '../../render.ts';
import { DEFAULT_SERVICE_SETTINGS, type ServiceSettings } from '../../../domain/service-settings.ts';

/** When the accessibility statement was prepared and last reviewed (change it when you review it). */
export const ACCESSIBILITY_STATEMENT_DATE = '3 December 2026';

export interface CookieRow {
  readonly name: string;
  readonly purpose: string;
  readonly expires: string;
}

/** Every cookie the service sets, under the names it uses with this configuration. */
export function cookieRows(auth: AuthConfig): CookieRow[] {
  const name = (base: string) => (auth.secureCookies ? `__Host-nhsaa_${base}` : `nhsaa_${base}`);
  return [
    {
      name: name('session'),
      purpose: 'Keeps you signed in.',
      expires: `When you sign out, after ${auth.sessionIdleMinutes} minutes without use, or ${auth.sessionAbsoluteHours} hours after you signed in`,
    },
    {
      name: name('browser'),
      purpose: 'A random value that protects forms against cross-site request forgery.',
      expires: 'When you close your browser',
    },
    {
      name: name('signin'),
      purpose:
        'Recognises the browser that asked for an emailed sign-in link, so the link signs you in there without its code.',
      expires: `After ${signInCookieMinutes(auth)} minutes, or when that browser signs in`,
    },
    {
      name: oidcCookieName(auth.secureCookies),
      purpose: 'Remembers where you were while you sign in with your NHS account.',
      expires: 'After 10 minutes, or once you have signed in',
    },
  ];
}

export function registerServicePages(app: FastifyInstance, ctx: RouteContext): void {
  const { renderer } = ctx;
  const settings = (): ServiceSettings => ctx.deps.config.service ?? DEFAULT_SERVICE_SETTINGS;
  const view = () => {
    const auth = ctx.deps.config.auth;
    return {
      ...settings(),
      replyDays: 5,
      statementDate: ACCESSIBILITY_STATEMENT_DATE,
      sessionIdleMinutes: auth.sessionIdleMinutes,
      sessionAbsoluteHours: auth.sessionAbsoluteHours,
      auditRetentionDays: auth.auditRetentionDays,
      linkMinutes: auth.linkMinutes,
      cookies: cookieRows(auth),
    };
  };
  const page = (path: string, template: string, pageTitle: string, extra: Record<string, unknown> = {}) =>
    app.get(path, { config: { access: 'public', cache: true } }, async (_request, reply) =>
      sendHtml(reply, renderer.page(template, { pageTitle, service: view(), ...extra }, path)),
    );
  page('/accessibility', 'service/accessibility.njk', 'Accessibility statement');
  page('/privacy', 'service/privacy.njk', 'Privacy notice');
  page('/cookies', 'service/cookies.njk', 'Cookies');
  page('/contact', 'service/contact.njk', 'Contact us', {
    heading: 'Contact us',
    feedback: false,
    subject: 'NHS App Analytics',
  });
  page('/feedback', 'service/contact.njk', 'Give feedback', {
    heading: 'Give feedback on NHS App Analytics',
    feedback: true,
    subject: 'Feedback on NHS App Analytics',
  });
}

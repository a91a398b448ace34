/**
 * Browser-test harness: Debian's chromium driven by playwright-core, the app on an ephemeral port, and axe
 * for accessibility. Give it any `buildApp` deps (in-memory test queries, or a real warehouse with demo data).
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { FastifyInstance } from 'fastify';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type Page,
} from 'playwright-core';
import { buildApp } from '../src/http/app.ts';
import type { AppDeps } from '../src/http/deps.ts';
import { sessionCookie, type SignInAs } from '../test/support/signed-in.ts';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** WCAG 2.2 AA, and axe's best practices (unique landmark names, no content outside landmarks…) beside it. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21aa', 'wcag22aa', 'best-practice'];

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

export interface RunningApp {
  app: FastifyInstance;
  baseUrl: string;
}

/** Builds the app from `deps` and listens on 127.0.0.1 on a free port. */
export async function startApp(deps: AppDeps): Promise<RunningApp> {
  const app = await buildApp(deps);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('server did not report a TCP address');
  return { app, baseUrl: `http://127.0.0.1:${address.port}` };
}

export interface Harness extends RunningApp {
  browser: Browser;
  /** The signed-in session's Cookie header (startHarness's `signedInAs`), for requests outside the browser. */
  cookie: string | null;
  /** A fresh context (own cookies, JS on unless told otherwise) and page, closed by `close()`. */
  newPage(options?: BrowserContextOptions): Promise<Page>;
  close(): Promise<void>;
}

/**
 * `signedInAs`: every page starts with the session cookie of a new user with that role (test/support/signed-in.ts:
 * a real user and session in the app's store, as after sign-in).
 */
export async function startHarness(deps: AppDeps, opts: { signedInAs?: SignInAs } = {}): Promise<Harness> {
  const running = await startApp(deps);
  const cookie = opts.signedInAs ? await sessionCookie(deps, opts.signedInAs) : null;
  let browser: Browser;
  try {
    browser = await launchBrowser();
  } catch (err) {
    await running.app.close();
    throw new Error(
      `Could not start chromium at ${CHROMIUM_PATH} (install it with: apt-get install -y chromium, ` +
        `or set CHROMIUM_PATH): ${(err as Error).message}`,
    );
  }
  const contexts: BrowserContext[] = [];
  return {
    ...running,
    browser,
    cookie,
    async newPage(options: BrowserContextOptions = {}) {
      const context = await browser.newContext({ baseURL: running.baseUrl, ...options });
      contexts.push(context);
      if (cookie) {
        const eq = cookie.indexOf('=');
        await context.addCookies([
          { name: cookie.slice(0, eq), value: cookie.slice(eq + 1), url: running.baseUrl },
        ]);
      }
      return context.newPage();
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      await running.app.close();
    },
  };
}

export type AxeViolation = Awaited<ReturnType<AxeBuilder['analyze']>>['violations'][number];

/**
 * Runs axe with the WCAG 2.2 AA and best-practice tags on the page as it stands; returns the violations. Only violations are
 * gathered, in the page itself (legacy mode: no blank page opened for axe's finishing step; the app has no
 * cross-origin frames): the same rules, a third less time on the large area pages.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  // options() replaces every option set before it (withTags's runOnly included): it comes first.
  const results = await new AxeBuilder({ page })
    .options({ resultTypes: ['violations'] })
    .withTags(AXE_TAGS)
    .setLegacyMode(true)
    .analyze();
  return results.violations;
}

/** Violations as readable text for a failing assertion. */
export function formatViolations(violations: AxeViolation[]): string {
  if (violations.length === 0) return 'no accessibility violations';
  return violations
    .map((v) => {
      const nodes = v.nodes
        .slice(0, 5)
        .map(
          (n) => `    - ${n.target.join(' ')}\n      ${n.failureSummary?.replace(/\n/g, '\n      ') ?? ''}`,
        )
        .join('\n');
      const more = v.nodes.length > 5 ? `\n    … and ${v.nodes.length - 5} more` : '';
      return `[${v.impact ?? 'unknown'}] ${v.id}: ${v.help}\n  ${v.helpUrl}\n${nodes}${more}`;
    })
    .join('\n\n');
}

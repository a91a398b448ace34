/**
 * Access-control settings from the environment (read by loadConfig in src/config.ts, which reports a bad
 * value as a ConfigError). See docs/readme-parts/auth.md for the table of variables.
 */
import { parseDisclosureSetting } from '../domain/disclosure.ts';
import { parseAllowedDomains } from '../domain/email-domains.ts';

export interface AuthConfig {
  /** AUTH_ALLOWED_DOMAINS: email domains (and their subdomains) that may sign in. */
  allowedDomains: string[];
  /** PUBLIC_URL: the origin users reach the service at (links in emails); null = the request's own origin. */
  publicUrl: string | null;
  /** Cookies get Secure and the __Host- prefix, and HSTS is sent: true when PUBLIC_URL is https. */
  secureCookies: boolean;
  /** TRUST_PROXY: Fastify's trustProxy (false, true, a hop count, or addresses/CIDRs). */
  trustProxy: boolean | number | string;
  /** SMTP_URL: e.g. smtp://user:pass@mail.example:587; null = development mode (log and outbox folder). */
  smtpUrl: string | null;
  /** MAIL_FROM: the sender of sign-in emails. */
  mailFrom: string;
  /** SESSION_IDLE_MINUTES: a session ends after this long without a request. */
  sessionIdleMinutes: number;
  /** SESSION_ABSOLUTE_HOURS: a session ends this long after sign-in, whatever happens. */
  sessionAbsoluteHours: number;
  /** Minutes a sign-in link stays valid. */
  linkMinutes: number;
  /** AUTH_SECRET: key for CSRF tokens and keyed hashes; null = a random key kept in the warehouse. */
  secret: string | null;
  /** OPEN_DATA_DISCLOSURE: suppress and round counts below England in open data. */
  openDataDisclosure: boolean;
  /** AUDIT_RETENTION_DAYS: audit rows older than this are deleted (on start and daily). */
  auditRetentionDays: number;
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

function publicUrlFrom(raw: string | undefined): string | null {
  if (raw === undefined || raw.trim() === '') return null;
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new Error(`PUBLIC_URL must be a URL such as https://analytics.example.nhs.uk, got "${raw}"`);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) {
    throw new Error(`PUBLIC_URL must be an http or https URL without credentials, got "${raw}"`);
  }
  if (url.pathname !== '/' || url.search || url.hash) {
    throw new Error(`PUBLIC_URL must be an origin only (no path, query or fragment), got "${raw}"`);
  }
  return url.origin;
}

function trustProxyFrom(raw: string | undefined): boolean | number | string {
  const v = (raw ?? '').trim();
  if (v === '' || v.toLowerCase() === 'false') return false;
  if (v.toLowerCase() === 'true') return true;
  if (/^\d+$/.test(v)) return Number(v);
  if (!/^[0-9a-fA-F.:/,\s]+$/.test(v)) {
    throw new Error(`TRUST_PROXY must be true, false, a hop count or proxy addresses, got "${raw}"`);
  }
  return v;
}

function smtpUrlFrom(raw: string | undefined): string | null {
  if (raw === undefined || raw.trim() === '') return null;
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new Error('SMTP_URL must be a URL such as smtp://user:password@mail.example:587');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new Error('SMTP_URL must start with smtp:// or smtps://');
  }
  return raw.trim();
}

export function loadAuthConfig(env: NodeJS.ProcessEnv): AuthConfig {
  let allowedDomains: string[];
  try {
    allowedDomains = parseAllowedDomains(env.AUTH_ALLOWED_DOMAINS);
  } catch (err) {
    throw new Error(`AUTH_ALLOWED_DOMAINS: ${(err as Error).message}`);
  }
  let openDataDisclosure: boolean;
  try {
    openDataDisclosure = parseDisclosureSetting(env.OPEN_DATA_DISCLOSURE);
  } catch (err) {
    throw new Error(`OPEN_DATA_DISCLOSURE ${(err as Error).message}`);
  }
  const publicUrl = publicUrlFrom(env.PUBLIC_URL);
  const secret = env.AUTH_SECRET && env.AUTH_SECRET !== '' ? env.AUTH_SECRET : null;
  if (secret !== null && secret.length < 32) throw new Error('AUTH_SECRET must be at least 32 characters');
  const mailFrom = env.MAIL_FROM?.trim() || 'NHS App Analytics <no-reply@localhost>';
  if (/[\r\n]/.test(mailFrom)) throw new Error('MAIL_FROM must be one line');
  return {
    allowedDomains,
    publicUrl,
    secureCookies: publicUrl !== null && publicUrl.startsWith('https:'),
    trustProxy: trustProxyFrom(env.TRUST_PROXY),
    smtpUrl: smtpUrlFrom(env.SMTP_URL),
    mailFrom,
    sessionIdleMinutes: int(env, 'SESSION_IDLE_MINUTES', 30, 1, 24 * 60),
    sessionAbsoluteHours: int(env, 'SESSION_ABSOLUTE_HOURS', 12, 1, 24 * 30),
    linkMinutes: 15,
    secret,
    openDataDisclosure,
    auditRetentionDays: int(env, 'AUDIT_RETENTION_DAYS', 400, 1, 3650),
  };
}

/**
 * How long the cookie that recognises the browser asking for a sign-in link lives: a few links' lifetimes, so
 * asking again for a new link keeps the same binding.
 */
export function signInCookieMinutes(auth: Pick<AuthConfig, 'linkMinutes'>): number {
  return auth.linkMinutes * 4;
}

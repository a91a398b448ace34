import type { FastifyInstance, FastifyReply } from 'fastify';

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/** Sent on every response, pages, API, static files and errors alike. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export function applySecurityHeaders(reply: FastifyReply): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
}

/** HSTS: sent only when the service is reached over HTTPS (PUBLIC_URL https, or HTTPS at a trusted proxy). */
export const STRICT_TRANSPORT_SECURITY = 'max-age=31536000';

/**
 * Headers that depend on the request: HSTS over HTTPS, and `private` on every response to a signed-in
 * viewer (restricted figures must never sit in a shared cache). Called from registerAccess.
 */
export function registerRequestSecurityHeaders(app: FastifyInstance, opts: { httpsOnly: boolean }): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (opts.httpsOnly || request.protocol === 'https') {
      reply.header('Strict-Transport-Security', STRICT_TRANSPORT_SECURITY);
    }
    if (request.viewer?.signedIn) {
      const cc = String(reply.getHeader('cache-control') ?? '');
      if (!/\b(private|no-store)\b/.test(cc)) {
        const rest = cc.replace(/\bpublic\b,?\s*/g, '').trim();
        reply.header('Cache-Control', rest ? `private, ${rest}` : 'private, no-cache');
      }
      reply.header('Vary', appendVary(reply.getHeader('vary'), 'Cookie'));
    }
    return payload;
  });
}

/** Adds `value` to a Vary header value unless it is already there (case-insensitive). */
export function appendVary(current: unknown, value: string): string {
  const parts = String(current ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!parts.some((p) => p.toLowerCase() === value.toLowerCase())) parts.push(value);
  return parts.join(', ');
}

/** Query parameters whose values never reach the log: sign-in link tokens, CSRF tokens, OIDC codes. */
const SECRET_PARAMS = /([?&](?:token|_csrf|code|state|email|id_token|access_token)=)[^&#]*/gi;

/** A URL as logged: secret parameter values replaced by "[redacted]". */
export function redactUrl(url: string): string {
  return url.replace(SECRET_PARAMS, '$1[redacted]');
}

/**
 * The Fastify logger option with request URLs redacted (Fastify logs each request's URL; a sign-in link's
 * token is in its URL). Headers, cookies and bodies are not logged by Fastify's default serializers.
 */
export function redactingLogger(logger: boolean | object): boolean | object {
  if (logger === false) return false;
  const base = logger === true ? {} : logger;
  return {
    ...base,
    serializers: {
      ...((base as { serializers?: object }).serializers ?? {}),
      req(req: {
        method?: string;
        url?: string;
        hostname?: string;
        ip?: string;
        socket?: { remotePort?: number };
      }) {
        return {
          method: req.method,
          url: redactUrl(req.url ?? ''),
          host: req.hostname,
          remoteAddress: req.ip,
          remotePort: req.socket?.remotePort,
        };
      },
    },
  };
}

/**
 * Error and not-found handling: bad input is a 400 with a clear message (never a 500), unknown paths a 404,
 * and unexpected failures a 500 that never shows internals. API paths answer JSON, pages answer NHS-styled HTML.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { safeNextPath } from '../auth/next-path.ts';
import { AccessError, SignInRequiredError, TooManyRequestsError } from './access.ts';
import { RestrictedFigureError } from '../domain/figure-access.ts';
import { ApiError } from './api/common.ts';
import type { Renderer } from './render.ts';
import { applySecurityHeaders } from './security.ts';

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Fixed wording per status for errors that are not ours to describe (Fastify's own messages may echo input). */
const GENERIC_MESSAGES: Record<number, string> = {
  400: 'The request was not valid.',
  401: 'Sign in with an NHS email address to see this page.',
  403: 'You do not have permission to see this page.',
  404: 'There is nothing at this address.',
  405: 'This address does not accept that method.',
  406: 'The server cannot produce a response in the format asked for.',
  413: 'The request is too large.',
  414: 'The address is too long.',
  415: 'The request body is in a format this address does not accept.',
  429: 'You have asked too many times. Wait a few minutes and try again.',
  500: 'Something went wrong on our side. Try again later.',
  503: 'The service is not available at the moment. Try again later.',
};

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? (status >= 500 ? 'Internal Server Error' : 'Bad Request');
}

/** Paths that answer JSON rather than HTML pages. */
export function isApiPath(url: string): boolean {
  return url.startsWith('/api/') || url === '/api' || url.startsWith('/healthz');
}

interface AjvError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  parentSchema?: { description?: string };
  schema?: unknown;
}

/** Parameter names are echoed only when they are plainly harmless identifiers. */
function safeName(name: unknown): string | null {
  return typeof name === 'string' && /^[A-Za-z0-9_.-]{1,40}$/.test(name) ? name : null;
}

/**
 * A message naming the parameter at fault, e.g. "querystring/level must be one of: region, icb". Never
 * includes the value sent: only names from the schema, or a parameter name that passes `safeName`.
 */
export function describeValidationError(
  error: Pick<FastifyError, 'validation' | 'validationContext'>,
): string {
  const context = error.validationContext ?? 'request';
  const first = (error.validation?.[0] ?? null) as AjvError | null;
  if (!first) return `${context} is not valid`;
  const where = `${context}${first.instancePath}`;
  const described = first.parentSchema?.description;
  switch (first.keyword) {
    case 'required': {
      const name = safeName(first.params.missingProperty);
      return name ? `${context}/${name} is required` : `${context} is missing a required parameter`;
    }
    case 'enum': {
      const allowed = Array.isArray(first.params.allowedValues) ? first.params.allowedValues.map(String) : [];
      return allowed.length > 0
        ? `${where} must be one of: ${allowed.join(', ')}`
        : `${where} is not an allowed value`;
    }
    case 'additionalProperties': {
      const name = safeName(first.params.additionalProperty);
      return name
        ? `${context} must not have the parameter "${name}"`
        : `${context} has a parameter that is not allowed`;
    }
    case 'type':
      return `${where} must be given once, as ${String(first.params.type ?? 'text')}`;
    case 'pattern':
    case 'maxLength':
    case 'minLength':
    case 'format':
      return described ? `${where} ${described}` : `${where} is not in the expected format`;
    default:
      return described ? `${where} ${described}` : `${where} is not valid`;
  }
}

export function sendError(
  renderer: Renderer,
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  message: string,
  details: string | null,
) {
  // Headers an earlier step may have set for a different body.
  for (const h of ['content-encoding', 'etag', 'content-length', 'content-disposition'])
    reply.removeHeader(h);
  reply.code(status).header('Cache-Control', 'no-store');
  // Also set here: errors raised before routing (malformed URLs) skip the onSend hooks.
  applySecurityHeaders(reply);
  if (isApiPath(request.url)) {
    return reply
      .type('application/json; charset=utf-8')
      .send({ error: reasonPhrase(status), message: details ?? message });
  }
  let heading: string;
  let paragraphs: string[];
  if (status === 404) {
    heading = 'Page not found';
    paragraphs = [
      'If you typed the web address, check it is correct.',
      'If you pasted the web address, check you copied the entire address.',
    ];
  } else if (status >= 500) {
    heading = 'Sorry, there is a problem with the service';
    paragraphs = ['Try again later.', 'If the problem continues, contact the team that runs this service.'];
  } else if (status === 401 || status === 403 || status === 429) {
    heading =
      status === 401 ? 'You need to sign in' : status === 429 ? 'Too many requests' : 'You cannot do this';
    paragraphs = [message];
  } else {
    heading = 'Sorry, there is a problem with this link';
    paragraphs = [
      status === 400 ? 'The web address has a setting we do not recognise.' : message,
      'Check the web address, or use the options on the page to choose what to show.',
    ];
  }
  try {
    const html = renderer.page('error.njk', {
      pageTitle: heading,
      heading,
      paragraphs,
      details: details ? details.replace(/^querystring\//, '') : null,
      statusCode: status,
      requestId: status >= 500 ? request.id : null,
    });
    return reply.type('text/html; charset=utf-8').send(html);
  } catch (err) {
    request.log.error({ err }, 'could not render the error page');
    return reply.type('text/plain; charset=utf-8').send(`${status} ${reasonPhrase(status)}: ${heading}`);
  }
}

/** The realm of API tokens, in WWW-Authenticate. */
export const AUTH_REALM = 'NHS App Analytics';

/**
 * Access errors: a page that needs sign-in redirects to the sign-in page (coming back afterwards); the API
 * answers 401 with WWW-Authenticate; 403 and 429 show their own message.
 */
function sendAccessError(
  renderer: Renderer,
  request: FastifyRequest,
  reply: FastifyReply,
  error: AccessError,
) {
  request.log.info({ status: error.statusCode, error: error.name }, 'request refused');
  const api = isApiPath(request.url);
  if (error instanceof TooManyRequestsError) reply.header('Retry-After', String(error.retryAfterSeconds));
  if (error instanceof SignInRequiredError) {
    if (api) {
      reply.header(
        'WWW-Authenticate',
        `Bearer realm="${AUTH_REALM}"${error.invalidToken ? ', error="invalid_token"' : ''}`,
      );
    } else if (request.method === 'GET' || request.method === 'HEAD') {
      const next = safeNextPath(request.url);
      const target = next === '/' ? '/sign-in' : `/sign-in?next=${encodeURIComponent(next)}`;
      applySecurityHeaders(reply);
      return reply.header('Cache-Control', 'no-store').redirect(target, 303);
    }
  }
  return sendError(renderer, request, reply, error.statusCode, error.message, null);
}

export function installErrorHandlers(app: FastifyInstance, renderer: Renderer): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof AccessError) return sendAccessError(renderer, request, reply, error);
    // The figure reader refused a figure this viewer may not see: they sign in.
    if (error instanceof RestrictedFigureError)
      return sendAccessError(renderer, request, reply, new SignInRequiredError(error.message));
    // A route's own 400 or 404: its message names the parameter at fault.
    if (error instanceof ApiError) {
      return sendError(
        renderer,
        request,
        reply,
        error.statusCode,
        GENERIC_MESSAGES[error.statusCode] ?? GENERIC_MESSAGES[400]!,
        error.message,
      );
    }
    if (error.validation) {
      return sendError(renderer, request, reply, 400, GENERIC_MESSAGES[400]!, describeValidationError(error));
    }
    let status = typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (status < 400 || status > 599) status = 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: error.code, status }, 'request rejected');
    const message =
      GENERIC_MESSAGES[status] ?? (status >= 500 ? GENERIC_MESSAGES[500]! : GENERIC_MESSAGES[400]!);
    return sendError(renderer, request, reply, status, message, null);
  });

  app.setNotFoundHandler((request, reply) => {
    return sendError(renderer, request, reply, 404, GENERIC_MESSAGES[404]!, null);
  });
}

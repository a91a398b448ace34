/**
 * What the sign-in, account and admin forms share: every form posts a CSRF token (checked by
 * src/http/access.ts), users and API tokens are named in paths by their UUID, and their pages are never
 * stored by a cache (they hold the token, or say who is signed in).
 */
import type { FastifyReply } from 'fastify';
import { sendHtml } from './render.ts';

/** Sends a page of these forms: never stored. */
export function sendFormPage(reply: FastifyReply, status: number, body: string) {
  return sendHtml(reply, body, { status, cacheControl: 'no-store' });
}

/** The CSRF token field of every form. */
export const CSRF_FIELD = { type: 'string', maxLength: 200 } as const;

/** A form body of these fields and the CSRF token, `required` among them. */
export function formBody(properties: Record<string, object>, required: string[]) {
  return { type: 'object', required, properties: { ...properties, _csrf: CSRF_FIELD } } as const;
}

/** The path parameter `id`: a UUID, e.g. a user's or an API token's. */
export function uuidParams(description: string) {
  return {
    type: 'object',
    required: ['id'],
    properties: {
      id: {
        type: 'string',
        pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
        description,
      },
    },
  } as const;
}

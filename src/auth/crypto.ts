/**
 * Secrets for sign-in: random tokens, their SHA-256 hashes (what the warehouse stores), keyed hashes, and
 * constant-time comparison. Tokens are 256 bits from the operating system's CSPRNG, base64url encoded.
 */
import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/** A new random secret: 32 bytes, base64url (43 characters). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** SHA-256 of a token, hex: what the warehouse keeps instead of the token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** HMAC-SHA-256 of `value` under `key`, base64url. */
export function keyedHash(key: string, value: string): string {
  return createHmac('sha256', key).update(value, 'utf8').digest('base64url');
}

/** Compares two strings in time that depends only on their lengths (never short-circuits on content). */
export function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  if (ab.length !== bb.length) {
    // Still spend the comparison, so a length mismatch is not faster than a content mismatch.
    timingSafeEqual(ab, ab);
    return false;
  }
  return timingSafeEqual(ab, bb);
}

/** Token syntax we ever issue (base64url, 32 to 128 characters): anything else is refused before lookup. */
export function looksLikeToken(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{32,128}$/.test(value);
}

/** Personal API tokens carry a prefix so secret scanners can recognise a leaked one. */
export const API_TOKEN_PREFIX = 'nhsaa_';

export function newApiToken(): string {
  return `${API_TOKEN_PREFIX}${randomToken()}`;
}

/** How many live personal API tokens one user may hold. */
export const MAX_API_TOKENS = 10;

/** A token's name as stored (spaces collapsed), or why it cannot be one: the same rule on /account and the CLI. */
export function checkTokenName(raw: string): { ok: true; name: string } | { ok: false; problem: string } {
  const name = raw.trim().replace(/\s+/g, ' ');
  // eslint-disable-next-line no-control-regex -- control characters are what we refuse
  if (name === '' || name.length > 60 || /[\x00-\x1f\x7f]/.test(name)) {
    return { ok: false, problem: 'Enter a name for the token, up to 60 characters' };
  }
  return { ok: true, name };
}

export function looksLikeApiToken(value: string): boolean {
  return value.startsWith(API_TOKEN_PREFIX) && looksLikeToken(value.slice(API_TOKEN_PREFIX.length));
}

// ---- the short code of a sign-in link (ADR 0033) -------------------------------------------------------

/**
 * Characters of sign-in codes: digits and capital letters without 0, 1, I, L and O (easily read as one
 * another): 31 characters, so a 6-character code is one of 31^6 = 887,503,681.
 */
export const SIGN_IN_CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const SIGN_IN_CODE_LENGTH = 6;

/** A new random code, e.g. "H7KM4C", each character drawn uniformly from the OS's CSPRNG. */
export function newSignInCode(): string {
  let code = '';
  for (let i = 0; i < SIGN_IN_CODE_LENGTH; i += 1) {
    code += SIGN_IN_CODE_ALPHABET[randomInt(SIGN_IN_CODE_ALPHABET.length)];
  }
  return code;
}

/** How a code is shown: two groups of three ("H7K M4C"), easier to read across and type. */
export function formatSignInCode(code: string): string {
  return `${code.slice(0, 3)} ${code.slice(3)}`;
}

/**
 * A typed code as stored, or null when it cannot be one: case, spaces and hyphens are ignored, so "h7k-m4c"
 * and "H7K M4C" are the same code.
 */
export function normaliseSignInCode(typed: unknown): string | null {
  if (typeof typed !== 'string' || typed.length > 40) return null;
  const code = typed.replace(/[\s-]/g, '').toUpperCase();
  if (code.length !== SIGN_IN_CODE_LENGTH) return null;
  for (const c of code) if (!SIGN_IN_CODE_ALPHABET.includes(c)) return null;
  return code;
}

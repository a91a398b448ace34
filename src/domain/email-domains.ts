/**
 * Who may sign in: an email address whose domain is on the allow-list (default nhs.net and nhs.uk, with
 * their subdomains). Pure and strict: an address is refused unless it is plainly an ordinary ASCII address
 * (no quoted local parts, comments, IP literals, Unicode or punycode, no trailing dot), so look-alikes such
 * as `nhs.net.evil.com`, `evil-nhs.net`, `xnhs.net` or a Cyrillic `nhs.net` cannot pass.
 */

export const DEFAULT_ALLOWED_DOMAINS: readonly string[] = ['nhs.net', 'nhs.uk'];

/** RFC 5321 limits. */
const MAX_ADDRESS = 254;
const MAX_LOCAL = 64;
const MAX_LABEL = 63;

/** Unquoted local part: letters, digits and the symbols addresses use in practice, dots between atoms. */
const LOCAL_PART = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

export type EmailProblem = 'empty' | 'too-long' | 'not-an-address' | 'domain-not-allowed' | 'sub-address';

/**
 * Why `name+tag@` addresses are refused, for messages. A sub-address reaches the same mailbox as the address
 * without it, so accepting it would give one person several identities (a disabled `a@nhs.net` could come
 * back as `a+x@nhs.net`). Refusing is simpler and clearer than quietly stripping the tag.
 */
export const SUB_ADDRESS_REFUSED = 'sub-addresses (+…) are not accepted';

export type EmailCheck =
  | { ok: true; email: string; domain: string }
  | {
      ok: false;
      problem: EmailProblem;
      /** The domain, when the address was well formed. */ domain: string | null;
    };

/** True when `domain` is a syntactically valid lower-case ASCII domain of at least two labels. */
export function isPlainDomain(domain: string): boolean {
  if (domain.length === 0 || domain.length > 253) return false;
  const labels = domain.split('.');
  if (labels.length < 2) return false;
  for (const label of labels) {
    if (label.length === 0 || label.length > MAX_LABEL || !LABEL.test(label)) return false;
    // Internationalised (punycode) labels: never an NHS domain, and a route to look-alikes.
    if (label.startsWith('xn--')) return false;
  }
  // A top-level label of digits only means an IP address, not a domain.
  return !/^\d+$/.test(labels[labels.length - 1]!);
}

/**
 * Parses an allow-list such as "nhs.net, nhs.uk" (AUTH_ALLOWED_DOMAINS): comma or space separated,
 * case-insensitive; an optional leading "*." or "." is accepted. Throws on an entry that is not a domain.
 */
export function parseAllowedDomains(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === '') return [...DEFAULT_ALLOWED_DOMAINS];
  const out: string[] = [];
  for (const part of raw.split(/[\s,]+/)) {
    if (part === '') continue;
    const domain = part.toLowerCase().replace(/^\*?\./, '');
    if (!isPlainDomain(domain)) throw new Error(`"${part}" is not a domain name`);
    if (!out.includes(domain)) out.push(domain);
  }
  if (out.length === 0) throw new Error('the list of allowed email domains is empty');
  return out;
}

/** True when `domain` is one of `allowed` or a subdomain of one (label boundary: `xnhs.net` is not). */
export function isAllowedDomain(domain: string, allowed: readonly string[]): boolean {
  if (!isPlainDomain(domain)) return false;
  return allowed.some((a) => domain === a || domain.endsWith(`.${a}`));
}

/**
 * Checks and canonicalises an email address (sign-in form, OpenID Connect, admin invitations, the CLI): trims
 * surrounding white space, lower-cases it, requires exactly one "@", a plain local part without a `+`
 * sub-address and an allowed domain. The result is the one identity of that mailbox. Never throws.
 */
export function checkEmail(input: unknown, allowed: readonly string[]): EmailCheck {
  if (typeof input !== 'string') return { ok: false, problem: 'empty', domain: null };
  const trimmed = input.trim();
  if (trimmed === '') return { ok: false, problem: 'empty', domain: null };
  if (trimmed.length > MAX_ADDRESS) return { ok: false, problem: 'too-long', domain: null };
  // Anything outside printable ASCII (Unicode look-alikes, control characters, white space inside).
  if (!/^[\x21-\x7e]+$/.test(trimmed)) return { ok: false, problem: 'not-an-address', domain: null };
  const email = trimmed.toLowerCase();
  const at = email.indexOf('@');
  if (at <= 0 || at !== email.lastIndexOf('@')) return { ok: false, problem: 'not-an-address', domain: null };
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (local.length > MAX_LOCAL || !LOCAL_PART.test(local) || !isPlainDomain(domain)) {
    return { ok: false, problem: 'not-an-address', domain: null };
  }
  if (!isAllowedDomain(domain, allowed)) return { ok: false, problem: 'domain-not-allowed', domain };
  if (local.includes('+')) return { ok: false, problem: 'sub-address', domain };
  return { ok: true, email, domain };
}

/** "nhs.net or nhs.uk" for messages. */
export function describeAllowedDomains(allowed: readonly string[]): string {
  if (allowed.length <= 1) return allowed.join('');
  return `${allowed.slice(0, -1).join(', ')} or ${allowed[allowed.length - 1]}`;
}

/**
 * Where to go after signing in: only a path on this site. Anything else (other origins, protocol-relative
 * `//evil.example`, backslashes browsers treat as slashes, control characters, over-long values) gives "/".
 *
 * The value is normalised with the WHATWG URL parser (the one browsers use) against a dummy origin, and
 * the normalised path is what we send back: dot segments and percent-encoded dots are resolved first, so
 * `/.//evil.example`, `/%2e%2e//evil.example` or `/x/..//evil.example` cannot turn into `//evil.example`
 * (a protocol-relative URL, i.e. another site) after the check.
 */
const MAX_NEXT = 512;
const DUMMY_ORIGIN = 'https://same-site.invalid';

export function safeNextPath(raw: unknown): string {
  if (typeof raw !== 'string' || raw === '' || raw.length > MAX_NEXT) return '/';
  if (!raw.startsWith('/') || raw.startsWith('//')) return '/';
  // Backslashes, white space and control characters have no place in our paths.
  // eslint-disable-next-line no-control-regex -- control characters are what we refuse
  if (/[\\\s\x00-\x1f\x7f]/.test(raw)) return '/';
  let url: URL;
  try {
    url = new URL(raw, DUMMY_ORIGIN);
  } catch {
    return '/';
  }
  if (url.origin !== DUMMY_ORIGIN || url.username !== '' || url.password !== '') return '/';
  const path = url.pathname;
  // After normalisation: one leading slash only, and still no backslash (also as %5C, which some
  // servers and browsers decode), so the result can never be read as another host.
  if (!path.startsWith('/') || path.startsWith('//') || /\\|%5c/i.test(path)) return '/';
  // The sign-in pages themselves are no destination.
  if (path === '/sign-in' || path.startsWith('/sign-in/') || path === '/sign-out') return '/';
  const result = `${path}${url.search}`;
  if (result.length > MAX_NEXT) return '/';
  // Belt and braces: the value we hand out resolves to this site, whatever base it is read against.
  const check = new URL(result, DUMMY_ORIGIN);
  return check.origin === DUMMY_ORIGIN && check.pathname === path ? result : '/';
}

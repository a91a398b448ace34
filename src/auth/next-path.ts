/**
 * Where to go after signing in: only a path on this site. Anything else (other origins, protocol-relative
 * `//evil.example`, backslashes browsers treat as slashes, control characters, over-long values) gives "/".
 */
const MAX_NEXT = 512;

export function safeNextPath(raw: unknown): string {
  if (typeof raw !== 'string' || raw === '' || raw.length > MAX_NEXT) return '/';
  if (!raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return '/';
  // Backslashes, white space and control characters have no place in our paths.
  // eslint-disable-next-line no-control-regex -- control characters are what we refuse
  if (/[\\\s\x00-\x1f\x7f]/.test(raw)) return '/';
  let url: URL;
  try {
    url = new URL(raw, 'http://same.invalid');
  } catch {
    return '/';
  }
  if (url.origin !== 'http://same.invalid') return '/';
  // The sign-in pages themselves are no destination.
  if (url.pathname === '/sign-in' || url.pathname.startsWith('/sign-in/') || url.pathname === '/sign-out')
    return '/';
  return `${url.pathname}${url.search}`;
}

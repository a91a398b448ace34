/**
 * What the page layout needs to know about the request (signed in or not, admin, the CSRF token of the
 * sign-out button), without every route passing it: an AsyncLocalStorage entered in the first onRequest
 * hook and filled once the viewer is resolved. The renderer reads it (src/http/render.ts); outside a
 * request it reads as signed out.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface AuthHeaderView {
  signedIn: boolean;
  isAdmin: boolean;
  /** The CSRF token for the sign-out form (signed-in users only). */
  csrfToken: string | null;
}

const SIGNED_OUT: AuthHeaderView = Object.freeze({ signedIn: false, isAdmin: false, csrfToken: null });

const storage = new AsyncLocalStorage<{ header: AuthHeaderView }>();

/** Runs `fn` (the rest of the request) with a fresh, signed-out page context. */
export function runWithPageContext(fn: () => void): void {
  storage.run({ header: SIGNED_OUT }, fn);
}

export function setAuthHeader(header: AuthHeaderView): void {
  const store = storage.getStore();
  if (store) store.header = header;
}

export function currentAuthHeader(): AuthHeaderView {
  return storage.getStore()?.header ?? SIGNED_OUT;
}

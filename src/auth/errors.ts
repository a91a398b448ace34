/**
 * The refusals a request can meet (401, 403, 429), with messages written for the user. Thrown by auth
 * (sign-in) and by the HTTP edge (src/http/access.ts re-exports them); src/http/errors.ts answers them.
 */
/** Errors whose message is written for the user and may be shown as it is. */
export class AccessError extends Error {
  readonly expose = true;
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'AccessError';
  }
}

export class SignInRequiredError extends AccessError {
  constructor(
    message = 'Sign in with an NHS email address to see these figures.',
    /** The request carried an Authorization header with no valid token (WWW-Authenticate says so). */
    readonly invalidToken = false,
  ) {
    super(401, message);
    this.name = 'SignInRequiredError';
  }
}

export class ForbiddenError extends AccessError {
  constructor(message = 'You do not have permission to see this page.') {
    super(403, message);
    this.name = 'ForbiddenError';
  }
}

export class CsrfError extends AccessError {
  constructor() {
    super(
      403,
      'This form has expired or did not come from this site. Go back, reload the page and try again.',
    );
    this.name = 'CsrfError';
  }
}

export class TooManyRequestsError extends AccessError {
  constructor(
    readonly retryAfterSeconds: number,
    message = 'You have asked too many times. Wait a few minutes and try again.',
  ) {
    super(429, message);
    this.name = 'TooManyRequestsError';
  }
}

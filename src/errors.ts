import type { FieldMessage, FormErrors } from './forms.js';
import type { MessageKey } from './i18n/i18n.js';

// Errors that carry a stable code and the HTTP status they answer with. The one
// error handler (src/plugins/errors.ts) renders them; anything else is a 500
// whose details stay in the log.

/** Where a service reports a failure it does not throw (an e-mail that could not be sent): the app's log. */
export interface ErrorLog {
  error(obj: object, msg: string): void;
}

export abstract class AppError extends Error {
  abstract readonly statusCode: number;
  abstract readonly code: string;
}

export class BadRequest extends AppError {
  readonly statusCode = 400;
  readonly code = 'BAD_REQUEST';
}

/** A path with a segment longer than the router keeps (app.ts maxParamLength): RFC 9110 §15.5.15. */
export class UriTooLong extends AppError {
  readonly statusCode = 414;
  readonly code = 'URI_TOO_LONG';
}

/** Input that can be neither stored nor echoed (U+0000, a lone surrogate, a control character where none belongs). */
export class UnstorableInput extends BadRequest {
  constructor(readonly where: string) {
    super(`Unstorable characters in ${where}`);
  }
}

export class NotFound extends AppError {
  readonly statusCode = 404;
  readonly code = 'NOT_FOUND';
}

export class Forbidden extends AppError {
  readonly statusCode = 403;
  readonly code = 'FORBIDDEN';
}

/**
 * A form sent after its sender's session ended (idle expiry, "sign out everywhere" on another device): not
 * signed in any more, and nothing was done. Its page gives the form's words back (keepsWords) with a way
 * to sign in again, instead of the redirect to the sign-in page that dropped them.
 */
export class SessionEnded extends Forbidden {
  constructor() {
    super('The session ended before the form was sent');
  }
}

/** A 403 whose page says why (the thread is locked, the community archived…): a catalog key. */
export class Refused extends Forbidden {
  constructor(readonly reasonKey: MessageKey) {
    super(reasonKey);
  }
}

export class Conflict extends AppError {
  readonly statusCode = 409;
  readonly code = 'CONFLICT';
}

/** A form that did not validate: re-rendered with 422, the messages per field and the values typed. */
export class Invalid extends AppError {
  readonly statusCode = 422;
  readonly code = 'INVALID';
  readonly fieldErrors: FormErrors;
  /** Each field's message: a catalog key, or a key with the values it names. */
  constructor(fields: Readonly<Record<string, MessageKey | FieldMessage>>, message = 'Invalid input') {
    super(message);
    this.fieldErrors = Object.fromEntries(
      Object.entries(fields).map(([field, value]) => [field, typeof value === 'string' ? { key: value } : value]),
    );
  }
}

export class RateLimited extends AppError {
  readonly statusCode = 429;
  readonly code = 'RATE_LIMITED';
  constructor(readonly retryAfterSeconds: number) {
    super('Too many requests');
  }
}

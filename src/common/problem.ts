import { HttpException } from '@nestjs/common';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Stable, documented problem codes; `type` is derived from the code so clients can switch on either. */
export type ProblemCode =
  | 'bad-request'
  | 'invalid-parameter'
  | 'malformed-body'
  | 'empty-body'
  | 'unsupported-media-type'
  | 'payload-too-large'
  | 'headers-too-large'
  | 'request-timeout'
  | 'thumbnail-too-large'
  | 'validation-failed'
  | 'unprocessable-data'
  | 'unauthorized'
  | 'insufficient-scope'
  | 'api-disabled'
  | 'provider-disabled'
  | 'signature-missing'
  | 'signature-malformed'
  | 'signature-mismatch'
  | 'token-expired'
  | 'token-from-future'
  | 'token-replayed'
  | 'token-revoked'
  | 'not-found'
  | 'not-replayable'
  | 'method-not-allowed'
  | 'too-many-requests'
  | 'database-unavailable'
  | 'processing-failed'
  | 'internal-error';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: ProblemCode;
  detail?: string;
  instance?: string;
  requestId?: string;
  [extension: string]: unknown;
}

export function problemType(code: ProblemCode): string {
  return `urn:hooktrail:problem:${code}`;
}

/** Throw anywhere in a request to answer with an RFC 9457 problem document. */
export class ProblemException extends HttpException {
  constructor(
    readonly statusCode: number,
    readonly code: ProblemCode,
    readonly title: string,
    readonly detail?: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(title, statusCode);
  }

  toBody(instance: string | undefined, requestId: string | undefined): ProblemBody {
    return {
      type: problemType(this.code),
      title: this.title,
      status: this.statusCode,
      code: this.code,
      ...(this.detail === undefined ? {} : { detail: this.detail }),
      ...this.extensions,
      instance,
      requestId,
    };
  }
}

export const unauthorized = (code: ProblemCode, detail: string): ProblemException =>
  new ProblemException(401, code, 'Unauthorized', detail);

/** One problem with a request: the parameter (or body field, dotted) at fault, and what is wrong with it. */
export interface RequestIssue {
  path: string;
  message: string;
}

/** 400 `invalid-parameter`: every issue in `errors[]`, one message each; `parameter` names the first. */
export const invalidParameters = (issues: RequestIssue[]): ProblemException =>
  new ProblemException(
    400,
    'invalid-parameter',
    'Invalid parameter',
    issues.map((i) => i.message).join('; '),
    {
      parameter: issues[0]?.path,
      errors: issues,
    },
  );

/** 400 `invalid-parameter` for one parameter; `message` names it ("cursor is not ..."). */
export const invalidParameter = (parameter: string, message: string): ProblemException =>
  invalidParameters([{ path: parameter, message }]);

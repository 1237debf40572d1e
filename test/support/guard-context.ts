import type { ExecutionContext } from '@nestjs/common';
import { ProblemException } from 'src/common/problem';

/** The execution context a guard sees for a request with these headers (any case) and raw body. */
export function requestContext(headers: Record<string, string | string[]>, body: Buffer): ExecutionContext {
  const req = {
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
    body,
  };
  return { switchToHttp: () => ({ getRequest: () => req }) } as unknown as ExecutionContext;
}

/** Runs `fn`, expecting a 401 problem; returns its code. Anything else fails the test. */
export function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProblemException && err.statusCode === 401) return err.code;
    throw err;
  }
  throw new Error('expected a 401');
}

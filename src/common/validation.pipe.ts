import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { invalidParameters, RequestIssue } from 'src/common/problem';

/** What class-validator found, carried from the exception factory to `transform`, which knows the input. */
class Invalid extends Error {
  constructor(readonly errors: ValidationError[]) {
    super('invalid');
  }
}

/** One issue per property (its first failed rule; see stopAtFirstError), nested properties dotted. */
function issuesOf(
  errors: ValidationError[],
  noun: string,
  prefix = '',
): Array<RequestIssue & { unknown: boolean }> {
  return errors.flatMap((e) => {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    const [rule] = Object.entries(e.constraints ?? {});
    const unknown = rule?.[0] === 'whitelistValidation';
    const own = rule
      ? [{ path, message: unknown ? `${path} is not a known ${noun}` : rule[1], unknown }]
      : [];
    return [...own, ...issuesOf(e.children ?? [], noun, path)];
  });
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The global validation of parameters and bodies against their DTOs (`whitelist`, unknown ones refused,
 * `transform`). Every problem is answered at once, one message per parameter: its first failed rule (the
 * query DTOs state each parameter's rule as one constraint, so that message is the whole rule). A query
 * parameter given more than once (`?limit=5&limit=6`, which Express reads as an array) is answered as
 * such, not as a bad value.
 */
export class RequestValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: true,
      exceptionFactory: (errors) => new Invalid(errors),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const repeated =
      metadata.type === 'query' && isRecord(value)
        ? Object.keys(value).filter((k) => Array.isArray(value[k]))
        : [];
    // A repeated parameter is validated as absent; whether it is known at all still shows.
    const input =
      repeated.length === 0
        ? value
        : { ...(value as object), ...Object.fromEntries(repeated.map((k) => [k, undefined])) };
    let errors: ValidationError[] = [];
    let result: unknown;
    try {
      result = await super.transform(input, metadata);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      errors = err.errors;
    }
    const issues = new Map(
      issuesOf(errors, metadata.type === 'body' ? 'field' : 'parameter').map((i) => [i.path, i]),
    );
    for (const name of repeated) {
      if (!issues.get(name)?.unknown)
        issues.set(name, { path: name, message: `${name} is given more than once`, unknown: false });
    }
    if (issues.size === 0) return result;
    // In the order the request gives them.
    const order = isRecord(value) ? Object.keys(value) : [];
    const rank = (path: string) => {
      const at = order.indexOf(path.split('.')[0]);
      return at === -1 ? order.length : at;
    };
    const sorted = [...issues.values()].sort((a, b) => rank(a.path) - rank(b.path));
    throw invalidParameters(sorted.map(({ path, message }) => ({ path, message })));
  }
}

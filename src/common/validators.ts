import { ValidateBy } from 'class-validator';

/*
 * Rules that class-validator spreads over several constraints, as one constraint with one message that states
 * all of it ("limit must be an integer between 1 and 500"): a bad value gets that one message, not one per
 * half-rule, nor only the half that happened to be checked first (see RequestValidationPipe).
 */

/** An integer from `min` to `max`. */
export const IsIntegerIn = (min: number, max: number) =>
  ValidateBy({
    name: 'isIntegerIn',
    validator: {
      validate: (value: unknown) =>
        Number.isInteger(value) && (value as number) >= min && (value as number) <= max,
      defaultMessage: (args) => `${args?.property} must be an integer between ${min} and ${max}`,
    },
  });

/** Text of `min` to `max` characters (code points, as Postgres counts them). */
export const IsTextOfLength = (min: number, max: number) =>
  ValidateBy({
    name: 'isTextOfLength',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' && [...value].length >= min && [...value].length <= max,
      defaultMessage: (args) => `${args?.property} must be text of ${min} to ${max} characters`,
    },
  });

import { buildMessage, Max, Min, ValidateBy, ValidationOptions, IsNumber } from 'class-validator';

/** Largest epoch value we read as a time: 9999-12-31 in milliseconds. */
export const MAX_EPOCH = 253_402_300_799_999;

/**
 * An identifier Millicast sends either as a string (feed, media asset, transcoder ids) or as a number
 * (recording file and token ids in the published examples). Either is accepted.
 */
export function IsMillicastId(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isMillicastId',
      validator: {
        validate: (value: unknown) =>
          (typeof value === 'string' && value.trim().length > 0 && value.length <= 255) ||
          (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0),
        defaultMessage: buildMessage(
          (each) => `${each}$property must be a non-empty string (at most 255 characters) or a whole number`,
          options,
        ),
      },
    },
    options,
  );
}

/** An epoch time (milliseconds in Millicast's examples; seconds in its older docs). */
export function IsEpoch(): PropertyDecorator {
  return (target: object, property: string | symbol) => {
    IsNumber({ allowNaN: false, allowInfinity: false })(target, property);
    Min(0)(target, property);
    Max(MAX_EPOCH)(target, property);
  };
}

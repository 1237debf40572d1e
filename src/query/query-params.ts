import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, ValidateBy } from 'class-validator';
import { IsIntegerIn, IsTextOfLength } from 'src/common/validators';
import { PROVIDER_NAMES } from 'src/config/provider-registry';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?(Z|[+-](\d{2}):(\d{2})))?$/;

/**
 * An ISO 8601 timestamp with a time zone (`2024-05-01T12:00:00Z`, `2024-05-01T14:00:00.250+02:00`) or a
 * date (`2024-05-01`, meaning UTC midnight). Returns the value to hand to Postgres (`::timestamptz`, no
 * precision lost), or null when it is not one. Every field is range-checked here so Postgres never sees
 * an impossible date (which would be a 500, not a 400).
 */
export function normalizeTimestamp(value: string): string | null {
  const m = TIMESTAMP.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, zone, zh, zm] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth) return null;
  if (h === undefined) return `${y}-${mo}-${d}T00:00:00Z`;
  if (Number(h) > 23 || Number(mi) > 59 || (s !== undefined && Number(s) > 59)) return null;
  if (zone !== 'Z' && (Number(zh) > 15 || Number(zm) > 59)) return null;
  return value;
}

/** Query-string numbers arrive as text; only plain digits become numbers, the rest fails `IsIntegerIn`. */
const toInteger = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value;

const toTimestamp = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? (normalizeTimestamp(value) ?? value) : value;

const IsTimestamp = () =>
  ValidateBy({
    name: 'isTimestamp',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && normalizeTimestamp(value) === value,
      defaultMessage: (args) =>
        `${args?.property} must be an ISO 8601 timestamp with a time zone (e.g. 2024-05-01T12:00:00Z) or a date (2024-05-01, UTC)`,
    },
  });

/** An optional timestamp filter, validated and normalised (see `normalizeTimestamp`). */
export const TimestampFilter = (description: string) =>
  applyDecorators(
    ApiPropertyOptional({ description, format: 'date-time', example: '2024-05-01T12:00:00Z' }),
    IsOptional(),
    Transform(toTimestamp),
    IsTimestamp(),
  );

export const ProviderFilter = () =>
  applyDecorators(
    ApiPropertyOptional({
      description: 'Only this provider.',
      type: String,
      enum: PROVIDER_NAMES,
      example: 'wms',
    }),
    IsOptional(),
    IsIn(PROVIDER_NAMES),
  );

/** A free-text filter on a provider-defined value (status, kind, event type). */
export const TextFilter = (description: string, example: string, maxLength: number) =>
  applyDecorators(
    ApiPropertyOptional({ description, example, maxLength }),
    IsOptional(),
    IsTextOfLength(1, maxLength),
  );

/** `limit` and `cursor`, shared by every listing. */
export class PageQueryDto {
  @ApiPropertyOptional({
    description: `Page size, 1 to ${MAX_LIMIT}.`,
    type: 'integer',
    minimum: 1,
    maximum: MAX_LIMIT,
    default: DEFAULT_LIMIT,
    example: DEFAULT_LIMIT,
  })
  @IsOptional()
  @Transform(toInteger)
  @IsIntegerIn(1, MAX_LIMIT)
  limit: number = DEFAULT_LIMIT;

  @ApiPropertyOptional({
    description:
      'Opaque cursor: `nextCursor` of the previous page, passed back unchanged with the same filters.',
    example: 'WyJzZXNzaW9uczppZCIsIjQyIl0',
    maxLength: 512,
  })
  @IsOptional()
  @IsTextOfLength(1, 512)
  cursor?: string;
}

/** `/:provider/:externalId` of a session, recording or measurement. */
export class ResourcePathDto {
  @ApiProperty({ description: 'The provider.', type: String, enum: PROVIDER_NAMES, example: 'wms' })
  @IsIn(PROVIDER_NAMES)
  provider: string;

  @ApiProperty({
    description: "The provider's id for it.",
    example: '7e1f5d1c-3b0a-4a51-9d7e-1c2b3a4d5e6f',
    maxLength: 255,
  })
  @IsTextOfLength(1, 255)
  externalId: string;
}

/** Points at a session, recording or measurement by the ids the provider uses. */
export class ResourceRefDto {
  @ApiProperty({ type: String, enum: PROVIDER_NAMES, example: 'wms' })
  provider: string;

  @ApiProperty({ example: '7e1f5d1c-3b0a-4a51-9d7e-1c2b3a4d5e6f' })
  externalId: string;
}

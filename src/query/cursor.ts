import { invalidParameter } from 'src/common/problem';

/**
 * Keyset-pagination cursors. A cursor is opaque to clients: base64url of `[listing, ...sortKey]`, where the
 * sort key is the last returned row's ORDER BY values. Every value is a bigint in text form (ids, tx ids,
 * sequences, and timestamps as microseconds since the Unix epoch, so no precision is lost on the way
 * through JavaScript). The listing tag makes a cursor from one listing or sort mode unusable in another.
 */
export type CursorField = 'bigint' | 'bigint?' | 'micros' | 'micros?';

const INT8_MIN = -(2n ** 63n);
const INT8_MAX = 2n ** 63n - 1n;
// Postgres timestamptz range (4714 BC ..), capped well below its top so the SQL arithmetic cannot overflow.
const MICROS_MIN = -210_866_803_200_000_000n;
const MICROS_MAX = 9_000_000_000_000_000_000n;

function inRange(text: string, min: bigint, max: bigint): boolean {
  if (!/^-?\d{1,19}$/.test(text)) return false;
  const value = BigInt(text);
  return value >= min && value <= max;
}

export function encodeCursor(listing: string, key: ReadonlyArray<string | null>): string {
  return Buffer.from(JSON.stringify([listing, ...key]), 'utf8').toString('base64url');
}

const badCursor = () =>
  invalidParameter(
    'cursor',
    'cursor is not a cursor of this listing (cursors are opaque; pass back nextCursor unchanged, with the same sort).',
  );

/** Decodes a cursor made by `encodeCursor(listing, ...)`; anything else is a 400 naming `cursor`. */
export function decodeCursor(
  listing: string,
  cursor: string,
  fields: readonly CursorField[],
): Array<string | null> {
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(cursor)) throw badCursor();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  if (!Array.isArray(parsed) || parsed.length !== fields.length + 1 || parsed[0] !== listing) {
    throw badCursor();
  }
  return fields.map((field, i) => {
    const value: unknown = parsed[i + 1];
    if (value === null && field.endsWith('?')) return null;
    if (typeof value !== 'string') throw badCursor();
    const ok = field.startsWith('micros')
      ? inRange(value, MICROS_MIN, MICROS_MAX)
      : inRange(value, INT8_MIN, INT8_MAX);
    if (!ok) throw badCursor();
    return value;
  });
}

/**
 * A page from `limit + 1` fetched rows: the first `limit`, and the cursor of the last of them when there
 * was one more (else null).
 */
export function limitPage<R>(
  rows: R[],
  limit: number,
  cursorOf: (last: R) => string,
): { rows: R[]; nextCursor: string | null } {
  if (rows.length <= limit) return { rows, nextCursor: null };
  const page = rows.slice(0, limit);
  return { rows: page, nextCursor: cursorOf(page[page.length - 1]) };
}

/** Deepest nesting of arrays and objects a JSON body may have; the mappers and jsonb need no more. */
export const MAX_JSON_DEPTH = 32;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * Whether `body`, read as JSON text, nests arrays and objects deeper than `max`: one pass over the bytes,
 * no allocation, before any JSON.parse. Brackets inside strings do not count. Malformed JSON is not judged
 * here (JSON.parse does that afterwards, on a body now known to be shallow).
 */
export function nestsDeeperThan(body: Buffer, max: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) depth--;
  }
  return false;
}

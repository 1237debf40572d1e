/**
 * Strings as Postgres `jsonb` and `text` can hold them: NUL characters and unpaired UTF-16 surrogates
 * (which JSON.parse lets through and which an error message may quote from a body) become U+FFFD.
 */
// eslint-disable-next-line no-control-regex -- NUL is exactly what must be found
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function storableText(value: string): string {
  return value.replace(UNSTORABLE, '\ufffd');
}

/** JSON text of `value` that `jsonb` accepts whatever strings it holds (keys included). */
export function storableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'string') return storableText(v);
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)) {
      const entries = Object.entries(v as Record<string, unknown>);
      if (entries.some(([k]) => storableText(k) !== k))
        return Object.fromEntries(entries.map(([k, x]) => [storableText(k), x]));
    }
    return v;
  });
}

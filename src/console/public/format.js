// Small display helpers shared by the pages.

const pad = (n, w = 2) => String(n).padStart(w, '0');

/** `2026-12-03 09:41:07.123` in UTC, the time zone of the API. */
export function time(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(
    d.getUTCMinutes(),
  )}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
}

/** A `datetime-local` value (taken as UTC) in the API's ISO form; '' for none. */
export const utcIso = (local) => (local ? `${local}${local.length === 16 ? ':00' : ''}Z` : '');

/** A duration in ms as `850 ms`, `12.4 s`, `3 min 5 s`, `2 h 4 min`. */
export function duration(ms) {
  const a = Math.abs(ms);
  if (a < 1000) return `${Math.round(ms)} ms`;
  if (a < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (a < 3_600_000) return `${Math.floor(ms / 60_000)} min ${Math.round((a % 60_000) / 1000)} s`;
  return `${Math.floor(ms / 3_600_000)} h ${Math.round((a % 3_600_000) / 60_000)} min`;
}

/** Pretty JSON when `text` parses, else the text as it is. */
export function pretty(text) {
  if (text === null || text === undefined) return '';
  if (typeof text !== 'string') return JSON.stringify(text, null, 2);
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** Severity bucket of an event, for its colour: error, warning, info, or none. */
export function severityOf(event) {
  const s = (event.severity ?? '').toLowerCase();
  if (/err|crit|fatal|fail|alert|emerg/.test(s)) return 'error';
  if (/warn/.test(s)) return 'warning';
  if (s) return 'info';
  return 'none';
}

/** The session page's hash route. */
export const sessionHref = (provider, externalId) =>
  `#/sessions/${encodeURIComponent(provider)}/${encodeURIComponent(externalId)}`;

// Every call goes to the service's /api routes with the key as a Bearer header. The key lives in
// sessionStorage only (gone when the tab closes); it is never put in a URL, localStorage or a log.
const KEY = 'hooktrail.apiKey';

export const getKey = () => sessionStorage.getItem(KEY);
export const setKey = (key) => sessionStorage.setItem(KEY, key);
export const clearKey = () => sessionStorage.removeItem(KEY);

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? problem?.title ?? `HTTP ${status}`);
    this.status = status;
    this.code = problem?.code;
  }
}

let onUnauthorized = () => undefined;
/** Called when the key is refused (401): the app signs out. */
export const whenUnauthorized = (fn) => {
  onUnauthorized = fn;
};

function headers(extra = {}) {
  return { Authorization: `Bearer ${getKey()}`, Accept: 'application/json', ...extra };
}

async function failure(res) {
  let problem;
  try {
    problem = await res.json();
  } catch {
    problem = undefined;
  }
  if (res.status === 401) onUnauthorized();
  return new ApiError(res.status, problem);
}

/** `path` with the defined, non-empty `params` as its query string. */
export function withQuery(path, params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export async function get(path, params, signal) {
  const res = await fetch(withQuery(path, params), { headers: headers(), signal });
  if (!res.ok) throw await failure(res);
  return res.json();
}

export async function post(path, body) {
  const res = await fetch(path, {
    method: 'POST',
    headers: headers({ 'Content-Type': 'application/json' }),
    body: JSON.stringify(body),
  });
  if (!res.ok) throw await failure(res);
  return res.json();
}

/** A binary resource (a thumbnail) as an object URL; the caller revokes it. */
export async function blobUrl(path, signal) {
  const res = await fetch(path, { headers: headers({ Accept: '*/*' }), signal });
  if (!res.ok) throw await failure(res);
  return URL.createObjectURL(await res.blob());
}

export const seg = (s) => encodeURIComponent(s);

/**
 * Follows GET /api/events/stream (Server-Sent Events) with fetch, since EventSource cannot send the key
 * as a header. Reconnects after a drop with Last-Event-ID, so nothing is missed. Stops on `signal`.
 */
export async function followEvents(params, onEvent, signal, onState = () => undefined) {
  let lastId;
  while (!signal.aborted) {
    try {
      const res = await fetch(withQuery('/api/events/stream', params), {
        headers: headers({ Accept: 'text/event-stream', ...(lastId ? { 'Last-Event-ID': lastId } : {}) }),
        signal,
      });
      if (!res.ok) throw await failure(res);
      onState('live');
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let id;
          let data = '';
          for (const line of message.split('\n')) {
            if (line.startsWith('id: ')) id = line.slice(4);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (id) lastId = id;
          if (data) onEvent(JSON.parse(data));
        }
      }
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof ApiError && err.status < 500 && err.status !== 429) {
        onState('stopped');
        return;
      }
    }
    onState('reconnecting');
    await new Promise((r) => setTimeout(r, 2000));
  }
}

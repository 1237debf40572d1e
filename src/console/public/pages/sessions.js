import { useEffect, useRef, useState } from 'preact/hooks';
import { get } from '/console/api.js';
import { PROVIDERS, sessionHref, time } from '/console/format.js';
import { html } from '/console/html.js';
import { LiveBadge, useLiveEvents } from '/console/live.js';

const EMPTY = { provider: '', status: '', kind: '', startedAfter: '', startedBefore: '' };

/** `datetime-local` value (taken as UTC) to the API's ISO form. */
const iso = (local) => (local ? `${local}${local.length === 16 ? ':00' : ''}Z` : '');

export function SessionsPage() {
  const [filters, setFilters] = useState(EMPTY);
  const [items, setItems] = useState([]);
  const [next, setNext] = useState(null);
  const [error, setError] = useState('');
  const [loading, setLoading] = useState(true);
  const [live, setLive] = useState(true);
  const refreshTimer = useRef();

  const query = () => ({
    provider: filters.provider,
    status: filters.status,
    kind: filters.kind,
    startedAfter: iso(filters.startedAfter),
    startedBefore: iso(filters.startedBefore),
    limit: 50,
  });
  const load = async (cursor) => {
    setLoading(true);
    try {
      const page = await get('/api/sessions', { ...query(), cursor });
      setItems((old) => (cursor ? [...old, ...page.items] : page.items));
      setNext(page.nextCursor);
      setError('');
    } catch (err) {
      setError(err.message);
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => {
    void load();
  }, [filters]);

  // Live refresh: a new event may change a session; reload the first page, at most once a second.
  const liveState = useLiveEvents(
    { provider: filters.provider },
    () => {
      clearTimeout(refreshTimer.current);
      refreshTimer.current = setTimeout(() => void load(), 1000);
    },
    live,
  );
  useEffect(() => () => clearTimeout(refreshTimer.current), []);

  const onFilter = (e) => {
    e.preventDefault();
    const f = Object.fromEntries(new FormData(e.currentTarget));
    setFilters({ ...EMPTY, ...f });
  };

  return html`
    <div class="title-row">
      <h1 tabindex="-1">Sessions</h1>
      <${LiveBadge} state=${liveState} />
      <label class="inline"
        ><input type="checkbox" checked=${live} onChange=${(e) => setLive(e.currentTarget.checked)} /> Live
        refresh</label
      >
    </div>
    <form class="filters" onSubmit=${onFilter} aria-label="Filter sessions">
      <label
        >Provider
        <select name="provider">
          <option value="">any</option>
          ${PROVIDERS.map((p) => html`<option value=${p}>${p}</option>`)}
        </select>
      </label>
      <label>Status <input name="status" placeholder="e.g. finished" /></label>
      <label>Kind <input name="kind" placeholder="e.g. stream" /></label>
      <label>Started after (UTC) <input name="startedAfter" type="datetime-local" /></label>
      <label>Started before (UTC) <input name="startedBefore" type="datetime-local" /></label>
      <button type="submit">Apply</button>
    </form>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <div class="table-wrap">
      <table class="list">
        <caption class="sr-only">
          Sessions, newest first
        </caption>
        <thead>
          <tr>
            <th scope="col">Session</th>
            <th scope="col">Provider</th>
            <th scope="col">Kind</th>
            <th scope="col">Status</th>
            <th scope="col">Started</th>
            <th scope="col">Last event</th>
          </tr>
        </thead>
        <tbody>
          ${items.map(
            (s) =>
              html`<tr key=${s.id}>
                <td><a href=${sessionHref(s.provider, s.externalId)}>${s.externalId}</a></td>
                <td>${s.provider}</td>
                <td>${s.kind}</td>
                <td><span class="pill">${s.status ?? '—'}</span></td>
                <td>${time(s.startedAt)}</td>
                <td>${time(s.lastEventAt)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
    ${!loading && items.length === 0 && html`<p>No sessions match.</p>`}
    ${next && html`<button type="button" onClick=${() => load(next)} disabled=${loading}>Load more</button>`}
  `;
}

import { useEffect, useRef, useState } from 'preact/hooks';
import { sessionHref, time, utcIso } from '/console/format.js';
import { html } from '/console/html.js';
import { FilterForm, ListTable, Paging, ProviderFilter, usePagedList } from '/console/list.js';
import { LiveBadge, useLiveEvents } from '/console/live.js';

const EMPTY = { provider: '', status: '', kind: '', startedAfter: '', startedBefore: '' };

const toQuery = (f) => ({
  ...f,
  startedAfter: utcIso(f.startedAfter),
  startedBefore: utcIso(f.startedBefore),
});

export function SessionsPage() {
  const [filters, setFilters] = useState(EMPTY);
  const list = usePagedList('/api/sessions', filters, toQuery);
  const [live, setLive] = useState(true);
  const refreshTimer = useRef();

  // Live refresh: a new event may change a session; reload the first page, at most once a second.
  const liveState = useLiveEvents(
    { provider: filters.provider },
    () => {
      clearTimeout(refreshTimer.current);
      refreshTimer.current = setTimeout(() => void list.load(), 1000);
    },
    live,
  );
  useEffect(() => () => clearTimeout(refreshTimer.current), []);

  return html`
    <div class="title-row">
      <h1 tabindex="-1">Sessions</h1>
      <${LiveBadge} state=${liveState} />
      <label class="inline"
        ><input type="checkbox" checked=${live} onChange=${(e) => setLive(e.currentTarget.checked)} /> Live
        refresh</label
      >
    </div>
    <${FilterForm} label="Filter sessions" onApply=${(f) => setFilters({ ...EMPTY, ...f })}>
      <${ProviderFilter} />
      <label>Status <input name="status" placeholder="e.g. finished" /></label>
      <label>Kind <input name="kind" placeholder="e.g. stream" /></label>
      <label>Started after (UTC) <input name="startedAfter" type="datetime-local" /></label>
      <label>Started before (UTC) <input name="startedBefore" type="datetime-local" /></label>
    <//>
    ${list.error && html`<p class="error" role="alert">${list.error}</p>`}
    <div class="table-wrap">
      <${ListTable}
        caption="Sessions, newest first"
        columns=${['Session', 'Provider', 'Kind', 'Status', 'Started', 'Last event']}
      >
        ${list.items.map(
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
      <//>
    </div>
    <${Paging} list=${list} none="No sessions match." />
  `;
}

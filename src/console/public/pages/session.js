import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { get, seg } from '/console/api.js';
import { Chart, seriesChartOptions } from '/console/charts.js';
import { sessionHref, time } from '/console/format.js';
import { html } from '/console/html.js';
import { ListTable } from '/console/list.js';
import { LiveBadge, useLiveEvents } from '/console/live.js';
import { Timeline } from '/console/timeline.js';

const PAGE = 500;

/** Orders events as the timeline does: provider time, then sequence (missing last), then id. */
function compareEvents(a, b) {
  const t = Date.parse(a.occurredAt) - Date.parse(b.occurredAt);
  if (t !== 0) return t;
  if (a.sequence !== b.sequence)
    return a.sequence == null ? 1 : b.sequence == null ? -1 : a.sequence - b.sequence;
  return BigInt(a.id) < BigInt(b.id) ? -1 : 1;
}

/**
 * Loads the whole timeline page by page (keyset): the first page is drawn at once, the rest follow in
 * the background, so a session with tens of thousands of events opens as fast as one with fifty.
 */
function useTimeline(provider, externalId) {
  const [events, setEvents] = useState([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState('');
  const seen = useRef(new Set());
  useEffect(() => {
    const abort = new AbortController();
    (async () => {
      let cursor;
      try {
        do {
          const page = await get(
            `/api/sessions/${seg(provider)}/${seg(externalId)}/events`,
            { limit: PAGE, cursor },
            abort.signal,
          );
          const fresh = page.items.filter((e) => !seen.current.has(e.id));
          fresh.forEach((e) => seen.current.add(e.id));
          // Pages come in timeline order; the sort only places events that arrived live meanwhile.
          setEvents((old) => [...old, ...fresh].sort(compareEvents));
          cursor = page.nextCursor;
        } while (cursor && !abort.signal.aborted);
      } catch (err) {
        if (!abort.signal.aborted) setError(err.message);
      } finally {
        if (!abort.signal.aborted) setLoading(false);
      }
    })();
    return () => abort.abort();
  }, [provider, externalId]);
  const add = (e) => {
    if (seen.current.has(e.id)) return;
    seen.current.add(e.id);
    setEvents((old) => [...old, e].sort(compareEvents));
  };
  return { events, loading, error, add };
}

function MeasurementChart({ measurement }) {
  const names = Object.keys(measurement.series ?? {});
  const { options, data } = useMemo(() => {
    const times = [
      ...new Set(names.flatMap((n) => measurement.series[n].map((p) => Date.parse(p.occurredAt) / 1000))),
    ].sort((a, b) => a - b);
    const data = [
      times,
      ...names.map((n) => {
        const at = new Map(measurement.series[n].map((p) => [Date.parse(p.occurredAt) / 1000, p.value]));
        return times.map((t) => at.get(t) ?? null);
      }),
    ];
    return { options: seriesChartOptions(names), data };
  }, [measurement]);
  return html`<article class="card">
    <h3>Measurement ${measurement.externalId} <span class="pill">${measurement.status ?? '—'}</span></h3>
    ${
      names.length === 0
        ? html`<p class="hint">No series yet.</p>`
        : html`<${Chart}
              options=${options}
              data=${data}
              label=${`${names.join(', ')} of measurement ${measurement.externalId} over time`}
            />
            <${ListTable} caption="Values" columns=${['Series', 'Points', 'Last value']} compact>
              ${names.map(
                (n) =>
                  html`<tr>
                    <td>${n}</td>
                    <td>${measurement.series[n].length}</td>
                    <td>${measurement.series[n].at(-1)?.value}</td>
                  </tr>`,
              )}
            <//>`
    }
  </article>`;
}

export function SessionPage({ provider, externalId }) {
  const [session, setSession] = useState(null);
  const [measurements, setMeasurements] = useState([]);
  const [error, setError] = useState('');
  const timeline = useTimeline(provider, externalId);
  const refresh = useRef();

  const loadSession = async () => {
    try {
      const s = await get(`/api/sessions/${seg(provider)}/${seg(externalId)}`);
      setSession(s);
      setMeasurements(
        await Promise.all(
          s.measurements.map((m) => get(`/api/measurements/${seg(m.provider)}/${seg(m.externalId)}`)),
        ),
      );
    } catch (err) {
      setError(err.status === 404 ? `No ${provider} session "${externalId}".` : err.message);
    }
  };
  useEffect(() => {
    void loadSession();
    return () => clearTimeout(refresh.current);
  }, [provider, externalId]);

  const live = useLiveEvents({ provider }, (e) => {
    if (e.session?.provider !== provider || e.session?.externalId !== externalId) return;
    timeline.add(e);
    clearTimeout(refresh.current);
    refresh.current = setTimeout(() => void loadSession(), 500);
  });

  if (error)
    return html`<h1 tabindex="-1">Session</h1>
      <p class="error" role="alert">${error}</p>`;
  const s = session;
  return html`
    <div class="title-row">
      <h1 tabindex="-1"><span class="muted">${provider} ${s?.kind ?? 'session'}</span> ${externalId}</h1>
      <${LiveBadge} state=${live} />
    </div>
    ${
      s &&
      html`<section class="card state" aria-label="State">
        <dl class="grid">
          <dt>Status</dt>
          <dd><span class="pill">${s.status ?? '—'}</span></dd>
          <dt>Started</dt>
          <dd>${time(s.startedAt)}</dd>
          <dt>Ended</dt>
          <dd>${time(s.endedAt)}</dd>
          <dt>Events</dt>
          <dd>${time(s.firstEventAt)} → ${time(s.lastEventAt)}</dd>
          <dt>Parent</dt>
          <dd>
            ${s.parent ? html`<a href=${sessionHref(s.parent.provider, s.parent.externalId)}>${s.parent.externalId}</a>` : '—'}
          </dd>
          <dt>Children</dt>
          <dd>
            ${
              s.children.length === 0
                ? '—'
                : html`<ul class="inline-list">
                    ${s.children.map((c) => html`<li><a href=${sessionHref(c.provider, c.externalId)}>${c.externalId}</a> <span class="muted">${c.kind}, ${c.status ?? '—'}</span></li>`)}
                  </ul>`
            }
          </dd>
        </dl>
        ${
          Object.keys(s.attributes).length > 0 &&
          html`<details>
            <summary>Attributes</summary>
            <pre class="json">${JSON.stringify(s.attributes, null, 2)}</pre>
          </details>`
        }
      </section>`
    }

    <h2>Timeline</h2>
    <p class="hint" role="status">
      ${timeline.loading ? `Loading events… ${timeline.events.length} so far` : `${timeline.events.length} events`}
    </p>
    ${timeline.error && html`<p class="error" role="alert">${timeline.error}</p>`}
    ${timeline.events.length > 0 && html`<${Timeline} events=${timeline.events} />`}
    ${
      measurements.length > 0 &&
      html`<h2>Measurements</h2>
        ${measurements.map((m) => html`<${MeasurementChart} key=${m.id} measurement=${m} />`)}`
    }
    ${
      s &&
      s.recordings.length > 0 &&
      html`<h2>Recordings</h2>
        <div class="table-wrap">
          <${ListTable}
            caption="Recordings"
            columns=${['Recording', 'Status', 'Duration', 'Size', 'Download']}
          >
            ${s.recordings.map(
              (r) =>
                html`<tr>
                  <td>${r.externalId}<br /><span class="muted">${r.kind ?? ''}</span></td>
                  <td>
                    <span class="pill">${r.status ?? '—'}</span
                    >${r.error && html`<br /><span class="error">${r.error}</span>`}
                  </td>
                  <td>${r.durationMs != null ? `${Math.round(r.durationMs / 1000)} s` : '—'}</td>
                  <td>${r.sizeBytes != null ? `${(r.sizeBytes / 1e6).toFixed(1)} MB` : '—'}</td>
                  <td>
                    ${
                      !r.url
                        ? '—'
                        : r.urlExpired
                          ? html`<span class="pill warning">link expired</span>
                              <span class="muted">${time(r.urlExpiresAt)}</span>`
                          : html`<a href=${r.url} rel="noopener noreferrer" target="_blank" download
                                >Download</a
                              >${r.urlExpiresAt && html` <span class="muted">until ${time(r.urlExpiresAt)}</span>`}`
                    }
                  </td>
                </tr>`,
            )}
          <//>
        </div>`
    }
  `;
}

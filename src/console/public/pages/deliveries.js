import { useEffect, useState } from 'preact/hooks';
import { ApiError, get, post } from '/console/api.js';
import { pretty, PROVIDERS, time } from '/console/format.js';
import { html } from '/console/html.js';

// As the API names them (GET /api/deliveries `status`).
const STATUSES = ['rejected', 'failed', 'pending', 'projected'];
const iso = (local) => (local ? `${local}${local.length === 16 ? ':00' : ''}Z` : '');
const replayError = (err) =>
  err instanceof ApiError && err.status === 403
    ? `Not allowed: ${err.message}`
    : `Replay failed: ${err.message}`;

function summaryText(s) {
  const parts = ['accepted', 'duplicate', 'rejected', 'failed', 'skipped']
    .filter((k) => s[k] > 0)
    .map((k) => `${s[k]} ${k}`);
  return `${s.dryRun ? 'Dry run: ' : ''}${s.selected} selected${parts.length ? `: ${parts.join(', ')}` : ''}.`;
}

function DeliveryDetail({ delivery, onReplayed }) {
  const [result, setResult] = useState('');
  const [busy, setBusy] = useState(false);
  const replayable = delivery.status === 'rejected' || delivery.status === 'failed';
  const replay = async () => {
    setBusy(true);
    try {
      const summary = await post('/api/deliveries/replay', { deliveryId: delivery.id });
      setResult(summaryText(summary));
      onReplayed();
    } catch (err) {
      setResult(replayError(err));
    } finally {
      setBusy(false);
    }
  };
  return html`<section class="card detail" aria-labelledby="delivery-title">
    <h2 id="delivery-title" tabindex="-1">
      Delivery ${delivery.id} <span class="pill ${delivery.status}">${delivery.status}</span>
    </h2>
    <dl class="grid">
      <dt>Provider</dt>
      <dd>${delivery.provider}</dd>
      <dt>Received</dt>
      <dd>${time(delivery.receivedAt)}</dd>
      <dt>Processed</dt>
      <dd>${time(delivery.processedAt)} (attempts: ${delivery.attempts})</dd>
      <dt>Request id</dt>
      <dd><code>${delivery.requestId}</code></dd>
      <dt>Size</dt>
      <dd>${delivery.size} bytes${delivery.bodyPurged ? ' (body purged)' : ''}</dd>
      <dt>Event</dt>
      <dd>${delivery.eventId ?? '—'}</dd>
    </dl>
    ${
      delivery.error &&
      html`<h3>Error</h3>
        <p class="error">${delivery.error.code}: ${delivery.error.detail}</p>
        ${
          delivery.error.errors &&
          html`<ul>
            ${delivery.error.errors.map((e) => html`<li><code>${e.path}</code>: ${e.message}</li>`)}
          </ul>`
        }`
    }
    <h3>Headers kept</h3>
    <pre class="json" tabindex="0" aria-label="Headers">${JSON.stringify(delivery.headers, null, 2)}</pre>
    <h3>Body${delivery.size > 2048 ? ' (first 2 kB)' : ''}</h3>
    <pre class="json" tabindex="0" aria-label="Body">
${delivery.bodyPreview === null ? '(binary or purged)' : pretty(delivery.bodyPreview)}</pre>
    ${replayable && html`<button type="button" onClick=${replay} disabled=${busy}>${busy ? 'Replaying…' : 'Replay this delivery'}</button>`}
    ${result && html`<p class="result" role="status">${result}</p>`}
  </section>`;
}

export function DeliveriesPage() {
  const [filters, setFilters] = useState({ provider: '', status: 'rejected', since: '', until: '' });
  const [items, setItems] = useState([]);
  const [next, setNext] = useState(null);
  const [open, setOpen] = useState(null);
  const [error, setError] = useState('');
  const [bulk, setBulk] = useState('');
  const [loading, setLoading] = useState(true);

  const load = async (cursor) => {
    setLoading(true);
    try {
      const page = await get('/api/deliveries', {
        ...filters,
        since: iso(filters.since),
        until: iso(filters.until),
        limit: 50,
        cursor,
      });
      setItems((old) => (cursor ? [...old, ...page.items] : page.items));
      setNext(page.nextCursor);
      setOpen((o) => (o ? (page.items.find((d) => d.id === o.id) ?? o) : o));
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
  useEffect(() => {
    if (open) document.getElementById('delivery-title')?.focus();
  }, [open?.id]);

  const onFilter = (e) => {
    e.preventDefault();
    setFilters(Object.fromEntries(new FormData(e.currentTarget)));
    setBulk('');
  };
  const canBulk =
    filters.provider &&
    filters.since &&
    (filters.status === 'rejected' || filters.status === 'failed' || filters.status === '');
  const replayAll = async () => {
    setBulk('Replaying…');
    try {
      const body = {
        provider: filters.provider,
        since: iso(filters.since),
        ...(filters.until ? { until: iso(filters.until) } : {}),
      };
      if (filters.status) body.status = [filters.status];
      setBulk(summaryText(await post('/api/deliveries/replay', body)));
      void load();
    } catch (err) {
      setBulk(replayError(err));
    }
  };

  return html`
    <h1 tabindex="-1">Deliveries</h1>
    <form class="filters" onSubmit=${onFilter} aria-label="Filter deliveries">
      <label
        >Provider
        <select name="provider" value=${filters.provider}>
          <option value="">any</option>
          ${PROVIDERS.map((p) => html`<option value=${p}>${p}</option>`)}
        </select>
      </label>
      <label
        >Status
        <select name="status" value=${filters.status}>
          <option value="">any</option>
          ${STATUSES.map((st) => html`<option value=${st}>${st}</option>`)}
        </select>
      </label>
      <label>Received from (UTC) <input name="since" type="datetime-local" value=${filters.since} /></label>
      <label>Received before (UTC) <input name="until" type="datetime-local" value=${filters.until} /></label>
      <button type="submit">Apply</button>
    </form>
    <div class="bulk">
      <button type="button" class="secondary" onClick=${replayAll} disabled=${!canBulk}>
        Replay all matching
      </button>
      <span class="hint"
        >${canBulk ? 'Replays the rejected/failed deliveries of this filter (at most 1000 per click).' : 'To replay in bulk, choose a provider and a “received from” time.'}</span
      >
      ${bulk && html`<p class="result" role="status">${bulk}</p>`}
    </div>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <div class=${open ? 'split' : ''}>
      <div class="table-wrap">
        <table class="list">
          <caption class="sr-only">
            Deliveries, newest first
          </caption>
          <thead>
            <tr>
              <th scope="col">Id</th>
              <th scope="col">Provider</th>
              <th scope="col">Status</th>
              <th scope="col">Received</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            ${items.map(
              (d) =>
                html`<tr key=${d.id} class=${open?.id === d.id ? 'selected' : ''}>
                  <td>
                    <button
                      type="button"
                      class="link"
                      onClick=${() => setOpen(d)}
                      aria-label=${`Open delivery ${d.id}`}
                    >
                      ${d.id}
                    </button>
                  </td>
                  <td>${d.provider}</td>
                  <td><span class="pill ${d.status}">${d.status}</span></td>
                  <td>${time(d.receivedAt)}</td>
                  <td class="clip">${d.error?.code ?? ''}</td>
                </tr>`,
            )}
          </tbody>
        </table>
        ${!loading && items.length === 0 && html`<p>No deliveries match.</p>`}
        ${next && html`<button type="button" onClick=${() => load(next)} disabled=${loading}>Load more</button>`}
      </div>
      ${open && html`<${DeliveryDetail} key=${open.id} delivery=${open} onReplayed=${() => void load()} />`}
    </div>
  `;
}

import { useEffect, useState } from 'preact/hooks';
import { ApiError, post } from '/console/api.js';
import { pretty, time, utcIso } from '/console/format.js';
import { html } from '/console/html.js';
import { FilterForm, ListTable, Paging, ProviderFilter, SelectFilter, usePagedList } from '/console/list.js';

// As the API names them (GET /api/deliveries `status`).
const STATUSES = ['rejected', 'failed', 'pending', 'projected'];
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

const toQuery = (f) => ({ ...f, since: utcIso(f.since), until: utcIso(f.until) });

export function DeliveriesPage() {
  const [filters, setFilters] = useState({ provider: '', status: 'rejected', since: '', until: '' });
  const list = usePagedList('/api/deliveries', filters, toQuery);
  const [open, setOpen] = useState(null);
  const [bulk, setBulk] = useState('');

  // The open delivery as the list now has it (a replay changes its status).
  useEffect(() => {
    setOpen((o) => (o ? (list.items.find((d) => d.id === o.id) ?? o) : o));
  }, [list.items]);
  useEffect(() => {
    if (open) document.getElementById('delivery-title')?.focus();
  }, [open?.id]);

  const onFilter = (f) => {
    setFilters(f);
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
        since: utcIso(filters.since),
        ...(filters.until ? { until: utcIso(filters.until) } : {}),
      };
      if (filters.status) body.status = [filters.status];
      setBulk(summaryText(await post('/api/deliveries/replay', body)));
      void list.load();
    } catch (err) {
      setBulk(replayError(err));
    }
  };

  return html`
    <h1 tabindex="-1">Deliveries</h1>
    <${FilterForm} label="Filter deliveries" onApply=${onFilter}>
      <${ProviderFilter} value=${filters.provider} />
      <${SelectFilter} label="Status" name="status" value=${filters.status} options=${STATUSES} />
      <label>Received from (UTC) <input name="since" type="datetime-local" value=${filters.since} /></label>
      <label>Received before (UTC) <input name="until" type="datetime-local" value=${filters.until} /></label>
    <//>
    <div class="bulk">
      <button type="button" class="secondary" onClick=${replayAll} disabled=${!canBulk}>
        Replay all matching
      </button>
      <span class="hint"
        >${canBulk ? 'Replays the rejected/failed deliveries of this filter (at most 1000 per click).' : 'To replay in bulk, choose a provider and a “received from” time.'}</span
      >
      ${bulk && html`<p class="result" role="status">${bulk}</p>`}
    </div>
    ${list.error && html`<p class="error" role="alert">${list.error}</p>`}
    <div class=${open ? 'split' : ''}>
      <div class="table-wrap">
        <${ListTable}
          caption="Deliveries, newest first"
          columns=${['Id', 'Provider', 'Status', 'Received', 'Error']}
        >
          ${list.items.map(
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
        <//>
        <${Paging} list=${list} none="No deliveries match." />
      </div>
      ${open && html`<${DeliveryDetail} key=${open.id} delivery=${open} onReplayed=${() => void list.load()} />`}
    </div>
  `;
}

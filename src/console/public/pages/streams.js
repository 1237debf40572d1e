import { useEffect, useState } from 'preact/hooks';
import { blobUrl, get, seg } from '/console/api.js';
import { sessionHref, time } from '/console/format.js';
import { html } from '/console/html.js';
import { LiveBadge, useLiveEvents } from '/console/live.js';

/** The latest thumbnail, fetched with the key (an <img src> could not send it) and shown from a blob: URL. */
function Thumbnail({ streamId, version }) {
  const [src, setSrc] = useState(null);
  const [error, setError] = useState('');
  useEffect(() => {
    const abort = new AbortController();
    let url;
    blobUrl(`/api/millicast/streams/${seg(streamId)}/thumbnail`, abort.signal).then(
      (u) => {
        url = u;
        setSrc(u);
        setError('');
      },
      (err) => !abort.signal.aborted && setError(err.status === 404 ? 'No thumbnail yet.' : err.message),
    );
    return () => {
      abort.abort();
      if (url) URL.revokeObjectURL(url);
    };
  }, [streamId, version]);
  if (error) return html`<p class="hint">${error}</p>`;
  return src
    ? html`<img class="thumb" src=${src} alt=${`Latest thumbnail of stream ${streamId}`} />`
    : html`<p class="hint">Loading thumbnail…</p>`;
}

/** Millicast streams, each with its latest thumbnail (refreshed live when a new one arrives). */
export function StreamsPage() {
  const [streams, setStreams] = useState([]);
  const [error, setError] = useState('');
  const [versions, setVersions] = useState({});
  useEffect(() => {
    get('/api/sessions', { provider: 'millicast', kind: 'stream', limit: 24 }).then(
      (page) => setStreams(page.items),
      (err) => setError(err.message),
    );
  }, []);
  const live = useLiveEvents({ provider: 'millicast' }, (e) => {
    const id = e.session?.externalId;
    if (id && /thumbnail/i.test(e.type)) setVersions((v) => ({ ...v, [id]: (v[id] ?? 0) + 1 }));
  });
  return html`
    <div class="title-row">
      <h1 tabindex="-1">Millicast streams</h1>
      <${LiveBadge} state=${live} />
    </div>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${streams.length === 0 && !error && html`<p>No Millicast streams yet.</p>`}
    <div class="cards">
      ${streams.map(
        (s) =>
          html`<article class="card stream" key=${s.id}>
            <h2><a href=${sessionHref(s.provider, s.externalId)}>${s.externalId}</a></h2>
            <p>
              ${s.status && html`<span class="pill">${s.status}</span> `}<span class="muted"
                >last event ${time(s.lastEventAt)}</span
              >
            </p>
            <${Thumbnail} streamId=${s.externalId} version=${versions[s.externalId] ?? 0} />
          </article>`,
      )}
    </div>
  `;
}

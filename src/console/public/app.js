import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { clearKey, getKey, whenUnauthorized } from '/console/api.js';
import { html } from '/console/html.js';
import { DeliveriesPage } from '/console/pages/deliveries.js';
import { SessionPage } from '/console/pages/session.js';
import { SessionsPage } from '/console/pages/sessions.js';
import { SignIn } from '/console/pages/sign-in.js';
import { StreamsPage } from '/console/pages/streams.js';

/** Hash routes (the key is never part of them): #/sessions, #/sessions/:provider/:id, #/deliveries, #/streams. */
function parseRoute(hash) {
  const parts = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (parts[0] === 'sessions' && parts.length === 3)
    return { page: 'session', provider: parts[1], id: parts[2] };
  if (parts[0] === 'deliveries') return { page: 'deliveries' };
  if (parts[0] === 'streams') return { page: 'streams', id: parts[1] };
  return { page: 'sessions' };
}

const NAV = [
  ['sessions', '#/sessions', 'Sessions'],
  ['deliveries', '#/deliveries', 'Deliveries'],
  ['streams', '#/streams', 'Streams'],
];

function App() {
  const [signedIn, setSignedIn] = useState(Boolean(getKey()));
  const [route, setRoute] = useState(parseRoute(location.hash));
  useEffect(() => {
    const onHash = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onHash);
    whenUnauthorized(() => {
      clearKey();
      setSignedIn(false);
    });
    return () => removeEventListener('hashchange', onHash);
  }, []);
  const firstRender = useRef(true);
  useEffect(() => {
    // After a navigation, move focus to the new page's heading, so keyboard and screen-reader users land on
    // it; a fresh load keeps the browser's own start (the skip link first).
    if (firstRender.current) firstRender.current = false;
    else document.querySelector('main h1')?.focus();
  }, [route.page, route.provider, route.id, signedIn]);

  if (!signedIn) return html`<${SignIn} onSignedIn=${() => setSignedIn(true)} />`;
  const current = route.page === 'session' ? 'sessions' : route.page;
  const signOut = () => {
    clearKey();
    setSignedIn(false);
  };
  return html`
    <a
      class="skip"
      href="#main"
      onClick=${(e) => (e.preventDefault(), document.getElementById('main').focus())}
      >Skip to content</a
    >
    <header class="top">
      <span class="brand">Hooktrail</span>
      <nav aria-label="Main">
        ${NAV.map(
          ([page, href, label]) =>
            html`<a href=${href} aria-current=${current === page ? 'page' : undefined}>${label}</a>`,
        )}
      </nav>
      <button type="button" class="quiet" onClick=${signOut}>Sign out</button>
    </header>
    <main id="main" tabindex="-1">
      ${
        route.page === 'session'
          ? html`<${SessionPage}
              key=${route.provider + '/' + route.id}
              provider=${route.provider}
              externalId=${route.id}
            />`
          : route.page === 'deliveries'
            ? html`<${DeliveriesPage} />`
            : route.page === 'streams'
              ? html`<${StreamsPage} streamId=${route.id} />`
              : html`<${SessionsPage} />`
      }
    </main>
  `;
}

const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);

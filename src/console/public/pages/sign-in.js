import { useState } from 'preact/hooks';
import { ApiError, clearKey, get, setKey } from '/console/api.js';
import { html } from '/console/html.js';

/** Asks for an API key and checks it against the API before keeping it (in sessionStorage only). */
export function SignIn({ onSignedIn }) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    const key = new FormData(e.currentTarget).get('key').trim();
    setBusy(true);
    setError('');
    setKey(key);
    try {
      await get('/api/sessions', { limit: 1 });
      onSignedIn();
    } catch (err) {
      clearKey();
      setError(err instanceof ApiError && err.status === 401 ? 'This API key is not valid.' : err.message);
    } finally {
      setBusy(false);
    }
  };
  return html`
    <main class="sign-in" id="main">
      <h1 tabindex="-1">Hooktrail console</h1>
      <p>What happened in a session, and in what order; what arrived, what was refused, and why.</p>
      <form onSubmit=${submit}>
        <label for="key">API key</label>
        <input id="key" name="key" type="password" autocomplete="off" required minlength="16" autofocus />
        <p class="hint">Kept in this browser tab only, until you sign out or close it.</p>
        ${error && html`<p class="error" role="alert">${error}</p>`}
        <button type="submit" disabled=${busy}>${busy ? 'Checking…' : 'Sign in'}</button>
      </form>
    </main>
  `;
}

import { useEffect, useRef, useState } from 'preact/hooks';
import { followEvents } from '/console/api.js';
import { html } from '/console/html.js';

/**
 * Follows the live event stream (from a few seconds before the page opened) while `enabled`; calls
 * `onEvent` for each new event. Returns the connection state for <LiveBadge>.
 */
export function useLiveEvents(params, onEvent, enabled = true) {
  const [state, setState] = useState('connecting');
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const key = JSON.stringify(params);
  useEffect(() => {
    if (!enabled) {
      setState('off');
      return undefined;
    }
    const abort = new AbortController();
    // A little before now: the service's clock stamps `received_at`, and the two clocks may differ.
    const since = new Date(Date.now() - 5000).toISOString();
    void followEvents({ ...params, since }, (e) => handler.current(e), abort.signal, setState);
    return () => abort.abort();
  }, [key, enabled]);
  return state;
}

export function LiveBadge({ state }) {
  const text = {
    live: 'Live',
    connecting: 'Connecting…',
    reconnecting: 'Reconnecting…',
    stopped: 'Live off',
    off: 'Paused',
  }[state];
  return html`<span class="live ${state}" role="status">${text}</span>`;
}

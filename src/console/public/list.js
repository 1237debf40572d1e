// The pieces every list page has: its filter form, its table, its keyset paging.
import { useEffect, useState } from 'preact/hooks';
import { get } from '/console/api.js';
import { html } from '/console/html.js';

/** Rows asked for per page. */
const PAGE = 50;

/**
 * A keyset-paginated list of `path` (`{ items, nextCursor }`) filtered by `toQuery(filters)`: the first
 * page whenever `filters` is set again; `load(next)` appends the next page, `load()` reloads the first.
 */
export function usePagedList(path, filters, toQuery) {
  const [items, setItems] = useState([]);
  const [next, setNext] = useState(null);
  const [error, setError] = useState('');
  const [loading, setLoading] = useState(true);
  const load = async (cursor) => {
    setLoading(true);
    try {
      const page = await get(path, { ...toQuery(filters), limit: PAGE, cursor });
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
  return { items, next, error, loading, load };
}

/** Under a list: `none` once it loaded empty, and a button for the next page while there is one. */
export function Paging({ list, none }) {
  return html`
    ${!list.loading && list.items.length === 0 && html`<p>${none}</p>`}
    ${list.next && html`<button type="button" onClick=${() => list.load(list.next)} disabled=${list.loading}>Load more</button>`}
  `;
}

/** A filter form: its fields, then Apply, which hands `onApply` the fields' values by name. */
export function FilterForm({ label, onApply, children }) {
  const submit = (e) => {
    e.preventDefault();
    onApply(Object.fromEntries(new FormData(e.currentTarget)));
  };
  return html`<form class="filters" onSubmit=${submit} aria-label=${label}>
    ${children}
    <button type="submit">Apply</button>
  </form>`;
}

/** A filter's choice: "any" (no filter), then `options`. */
export function SelectFilter({ label, name, value, options }) {
  return html`<label
    >${label}
    <select name=${name} value=${value}>
      <option value="">any</option>
      ${options.map((o) => html`<option value=${o}>${o}</option>`)}
    </select>
  </label>`;
}

/** The registered providers' names (GET /api/providers), asked once per page load. */
let providerNames;

/** A filter's choice of provider, among those the service receives. */
export function ProviderFilter({ value }) {
  const [names, setNames] = useState([]);
  useEffect(() => {
    providerNames ??= get('/api/providers').then((list) => list.items.map((p) => p.name));
    providerNames.then(setNames, () => {
      providerNames = undefined; // asked again by the next page
    });
  }, []);
  return html`<${SelectFilter} label="Provider" name="provider" value=${value} options=${names} />`;
}

/** A table of rows (`children`) under column headings; its caption is for screen readers. */
export function ListTable({ caption, columns, compact = false, children }) {
  return html`<table class=${compact ? 'list compact' : 'list'}>
    <caption class="sr-only">
      ${caption}
    </caption>
    <thead>
      <tr>
        ${columns.map((c) => html`<th scope="col">${c}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${children}
    </tbody>
  </table>`;
}

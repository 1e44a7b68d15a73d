// Small shared pieces: the loading / empty / error states every screen uses, tables, CSV, and URL state.
import {LitElement, html, css} from 'lit';

/** Shared look of the app's components (CSS variables come from app.css through the host). */
export const base = css`
  :host { display: block; color: var(--fg); font: 14px/1.45 var(--font); }
  h1 { font-size: 20px; margin: 0 0 16px; font-weight: 600; }
  h2 { font-size: 15px; margin: 20px 0 8px; font-weight: 600; }
  button, select, input, textarea { font: inherit; color: inherit; }
  button { border: 1px solid var(--line); background: var(--bg-raised); border-radius: 6px; padding: 5px 12px; cursor: pointer; }
  button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
  button:hover { border-color: var(--accent); }
  button:focus-visible, select:focus-visible, input:focus-visible, a:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
  select, input, textarea { border: 1px solid var(--line); background: var(--bg-raised); border-radius: 6px; padding: 5px 8px; }
  label { display: inline-flex; flex-direction: column; gap: 4px; font-size: 12px; color: var(--muted); }
  a { color: var(--accent-text); }
  table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
  th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); }
  th { font-size: 12px; color: var(--muted); font-weight: 600; }
  td.num, th.num { text-align: right; }
  .row { display: flex; gap: 12px; align-items: end; flex-wrap: wrap; }
  .card { background: var(--bg-raised); border: 1px solid var(--line); border-radius: 8px; padding: 16px; }
  .muted { color: var(--muted); }
  code, pre { font-family: var(--mono); font-size: 12.5px; }
  pre { background: var(--bg-code); border: 1px solid var(--line); border-radius: 6px; padding: 12px; overflow: auto; white-space: pre-wrap; word-break: break-all; }
`;

/**
 * What a screen shows instead of (or over) its result: `loading` (with a note after 7 s that the query is still
 * running), `empty` (what to do next), or `error` (the message, field errors, and Retry).
 */
export class HsState extends LitElement {
  static properties = {kind: {}, message: {}, details: {type: Array}, slow: {state: true}};
  static styles = [base, css`
    :host { padding: 32px 16px; text-align: center; }
    .msg { font-size: 15px; margin-bottom: 8px; }
    ul { list-style: none; padding: 0; margin: 8px 0; color: var(--danger); }
    .error .msg { color: var(--danger); }
  `];

  connectedCallback() {
    super.connectedCallback();
    this.timer = setTimeout(() => { this.slow = true; }, 7000);
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    clearTimeout(this.timer);
  }

  render() {
    if (this.kind === 'loading') {
      return html`<div role="status" aria-live="polite"><div class="msg">${this.message || 'Loading…'}</div>
        ${this.slow ? html`<div class="muted">Still running. A shorter date range or fewer breakdown values answers faster.</div>` : ''}</div>`;
    }
    if (this.kind === 'error') {
      return html`<div class="error" role="alert"><div class="msg">${this.message}</div>
        ${this.details?.length ? html`<ul>${this.details.map(d => html`<li>${d}</li>`)}</ul>` : ''}
        <button @click=${() => this.dispatchEvent(new CustomEvent('retry', {bubbles: true, composed: true}))}>Retry</button></div>`;
    }
    return html`<div role="status"><div class="msg">${this.message}</div><slot></slot></div>`;
  }
}
customElements.define('hs-state', HsState);

/** Rows as CSV text (RFC 4180 quoting), first row the header. */
export function toCsv(rows) {
  const cell = v => {
    const s = v == null ? '' : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return rows.map(r => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

/** Offers `rows` as a CSV file download named `name`. */
export function downloadCsv(name, rows) {
  const url = URL.createObjectURL(new Blob([toCsv(rows)], {type: 'text/csv;charset=utf-8'}));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** A JSON value as base64url, for state kept in the URL's fragment. */
export function encodeState(value) {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  let bin = '';
  bytes.forEach(b => { bin += String.fromCharCode(b); });
  return btoa(bin).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** The value {@link encodeState} made, or null when the text is not one. */
export function decodeState(text) {
  try {
    const bin = atob(text.replaceAll('-', '+').replaceAll('_', '/'));
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, c => c.charCodeAt(0))));
  } catch {
    return null;
  }
}

/** The part of the path after /e/<app>/<segment>/ ('' for the screen's own page), such as a cohort's id. */
export function subPath(path, segment) {
  const m = new RegExp(`^/e/[^/]+/${segment}/([^/]+)`).exec(path || '');
  return m ? decodeURIComponent(m[1]) : '';
}

/**
 * The places of a screen below /e/<app>/<segment>/ (a list, an item, "new"): the host's `path` follows the address
 * on back and forward, `sub` is the place it names, and `open` goes to another. A Lit reactive controller.
 */
export class SubRoutes {
  constructor(host, segment) {
    this.host = host;
    this.segment = segment;
    this.onPop = () => { host.path = location.pathname; };
    host.addController(this);
  }

  hostConnected() {
    addEventListener('popstate', this.onPop);
  }

  hostDisconnected() {
    removeEventListener('popstate', this.onPop);
  }

  /** The place the host's path names: '' for the list. */
  get sub() {
    return subPath(this.host.path, this.segment);
  }

  /** Goes to `sub` ('' for the list), with an optional `#…` fragment, as a new history entry. */
  open(sub, hash = '') {
    const path = `/e/${encodeURIComponent(this.host.appId)}/${this.segment}${sub ? `/${sub}` : ''}`;
    history.pushState(null, '', path + hash);
    this.host.path = path;
  }
}

/**
 * Focuses `el` (a screen's heading, with tabindex=-1) when the focus was lost, as when the link or button that
 * opened the screen went away with the screen before it: the keyboard then continues from the new screen's top.
 */
export function focusIfLost(el) {
  const a = document.activeElement;
  if (el && (!a || a === document.body)) el.focus();
}

/** A number for people: thousands separated, at most two decimals. */
export function formatNumber(v) {
  if (v == null) return '–';
  return Number(v).toLocaleString('en-US', {maximumFractionDigits: 2});
}

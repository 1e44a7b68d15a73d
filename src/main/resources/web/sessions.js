// The Sessions screen: the query API's sessions analysis (user, start, duration, events, landing page, channel)
// for a date range and an optional built-in property filter; a session opens to its events in order.
import {LitElement, html, css} from 'lit';
import {api, ApiError, isAbort} from './api.js';
import {base, encodeState, decodeState, downloadCsv, formatNumber} from './ui.js';
import {BUILT_INS} from './pickers.js';
import {eventLabel, formatWhen, userLink, userName} from './users.js';

const RANGES = [
  ['today', 'Today'], ['yesterday', 'Yesterday'], ['-7d', 'Last 7 days'], ['-30d', 'Last 30 days'],
  ['-90d', 'Last 90 days'], ['this_month', 'This month'], ['last_month', 'Last month'],
];

/** The sessions question a state asks. */
export function sessionsRequest(appId, s) {
  const q = {app_id: appId, kind: 'sessions', from: s.range, limit: 100};
  if (['today', 'yesterday', 'this_month', 'last_month'].includes(s.range)) q.to = s.range;
  if (s.key && s.value) q.filters = [{key: s.key, op: '=', value: s.value}];
  return q;
}

/** A duration for people: 1h 2m, 3m 4s, 5s. */
export function formatDuration(seconds) {
  if (seconds == null) return '–';
  const h = Math.floor(seconds / 3600), m = Math.floor(seconds % 3600 / 60), s = seconds % 60;
  return h ? `${h}h ${m}m` : m ? `${m}m ${s}s` : `${s}s`;
}

export class HsSessions extends LitElement {
  static properties = {appId: {attribute: 'app-id'}, state: {state: true}, answer: {state: true},
    error: {state: true}, loading: {state: true}, open: {state: true}};
  static styles = [base, css`
    .controls { margin-bottom: 16px; }
    .count { margin-left: auto; color: var(--muted); align-self: center; }
    .dim { opacity: .55; }
    tr.session { cursor: pointer; }
    tr.session:hover td { background: var(--accent-soft); }
    td.landing { max-width: 260px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    td.user { max-width: 200px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    button.toggle { border: none; background: none; padding: 0 4px 0 0; color: var(--accent-text); font-weight: 600; }
    tr.events > td { background: var(--bg); padding: 8px 16px 12px 36px; }
    ol { margin: 0; padding-left: 20px; }
    ol li { padding: 2px 0; }
    .kind { font-size: 12px; font-weight: 600; padding: 1px 6px; border-radius: 4px; background: var(--accent-soft); color: var(--accent-text); }
    .t { color: var(--muted); font-variant-numeric: tabular-nums; margin-right: 8px; }
    .chan { font-size: 12px; padding: 1px 6px; border-radius: 4px; background: var(--bg-code); border: 1px solid var(--line); }
  `];

  constructor() {
    super();
    const s = decodeState((/[#&]q=([^&]*)/.exec(location.hash) || [])[1] || '');
    this.state = {range: '-7d', key: '', value: '', ...(s || {})};
    this.open = new Set();
  }

  connectedCallback() {
    super.connectedCallback();
    this.load();
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this.ctrl?.abort();
    clearTimeout(this.timer);
  }

  change(s, debounce = false) {
    this.state = s;
    history.replaceState(null, '', `#q=${encodeState(s)}`);
    clearTimeout(this.timer);
    if (debounce) this.timer = setTimeout(() => this.load(), 400);
    else this.load();
  }

  async load() {
    this.ctrl?.abort();
    this.ctrl = new AbortController();
    this.loading = true;
    this.error = null;
    try {
      this.answer = await api('/api/query', {method: 'POST', body: sessionsRequest(this.appId, this.state), signal: this.ctrl.signal});
      this.open = new Set();
      this.loading = false;
    } catch (e) {
      if (isAbort(e)) return;
      this.loading = false;
      this.error = e;
    }
  }

  toggle(key) {
    const open = new Set(this.open);
    if (open.has(key)) open.delete(key); else open.add(key);
    this.open = open;
  }

  render() {
    const s = this.state, a = this.answer;
    return html`
      <h1>Sessions</h1>
      <div class="row controls">
        <label>Date range <select @change=${e => this.change({...s, range: e.target.value})}>
          ${RANGES.map(([v, l]) => html`<option value=${v} ?selected=${s.range === v}>${l}</option>`)}</select></label>
        <label>Filter by <select @change=${e => this.change({...s, key: e.target.value}, !s.value)}>
          <option value="" ?selected=${!s.key}>No filter</option>
          ${BUILT_INS.map(([k, l]) => html`<option value=${k} ?selected=${s.key === k}>${l}</option>`)}</select></label>
        <label>equals <input .value=${s.value || ''} ?disabled=${!s.key} placeholder=${s.key ? 'Value' : 'Pick a property'}
          @input=${e => this.change({...s, value: e.target.value.trim()}, true)}></label>
        ${a ? html`<span class="count" aria-live="polite">${formatNumber(a.total)} ${a.total === 1 ? 'session' : 'sessions'}${a.total > a.sessions.length ? `, newest ${a.sessions.length} shown` : ''}</span>` : ''}
        ${a?.sessions.length ? html`<button @click=${() => downloadCsv('sessions.csv', sessionRows(a.sessions))}>Download CSV</button>` : ''}
      </div>
      ${this.error ? html`<hs-state kind="error" .message=${this.error.message}
          .details=${this.error instanceof ApiError ? this.error.fieldErrors : []} @retry=${() => this.load()}></hs-state>`
        : !a ? html`<hs-state kind="loading" message="Loading sessions…"></hs-state>`
        : !a.sessions.length ? html`<hs-state kind="empty" message="No sessions in this range. Try a longer range or another filter."></hs-state>`
        : this.table(a)}`;
  }

  table(a) {
    return html`<div class="card ${this.loading ? 'dim' : ''}"><table>
      <thead><tr><th>User</th><th>Start</th><th class="num">Duration</th><th class="num">Events</th><th>Landing page</th><th>Channel</th></tr></thead>
      <tbody>${a.sessions.map((x, i) => {
        const key = `${x.session_id ?? ''}|${x.user_key}|${x.start}|${i}`;
        const open = this.open.has(key);
        const user = userName(x.identity, x.user_key);
        return html`<tr class="session" @click=${e => { if (e.target.tagName !== 'A' && e.target.tagName !== 'BUTTON') this.toggle(key); }}>
          <td class="user"><button class="toggle" aria-expanded=${open ? 'true' : 'false'}
              aria-label=${`${open ? 'Hide' : 'Show'} the events of the session of ${user} at ${formatWhen(x.start)}`}
              @click=${() => this.toggle(key)}>${open ? '▾' : '▸'}</button>
            ${userLink(this.appId, x.identity, x.user_key)}</td>
          <td>${formatWhen(x.start)}</td>
          <td class="num">${formatDuration(x.duration_seconds)}</td>
          <td class="num">${formatNumber(x.event_count)}</td>
          <td class="landing" title=${x.landing_page || ''}>${x.landing_path || '–'}</td>
          <td><span class="chan">${x.channel || '–'}</span></td></tr>
          ${open ? html`<tr class="events"><td colspan="6"><ol aria-label=${`Events of the session of ${user}`}>${x.events.map(e => html`<li>
            <span class="t">${new Date(e.time).toLocaleTimeString('en-GB')}</span><span class="kind">${eventLabel(e)}</span>
            ${e.path || ''}${e.text ? html` · “${e.text}”` : ''}</li>`)}</ol></td></tr>` : ''}`;
      })}</tbody></table></div>`;
  }
}
customElements.define('hs-sessions', HsSessions);

/** The sessions shown, one CSV row each: times as the API gives them, the duration in seconds. */
export function sessionRows(sessions) {
  return [['identity', 'user_key', 'start', 'duration_seconds', 'event_count', 'landing_page', 'channel'],
    ...sessions.map(x => [x.identity ?? '', x.user_key, x.start, x.duration_seconds, x.event_count, x.landing_page ?? '', x.channel ?? ''])];
}

// The Live view: events as they arrive (polled every 2 s from the live feed), newest on top, each with the
// definitions it matches; Pause stops the polling, and at most KEEP events stay in the page. Download CSV gives
// the events shown.
import {LitElement, html, css} from 'lit';
import {api, isAbort} from './api.js';
import {base, downloadCsv} from './ui.js';
import {eventLabel, userLink} from './users.js';

const KEEP = 300;
const EVERY_MS = 2000;

/** An event's time: the time of day for today's, with the date for older ones (a backfilled event). */
function clock(t) {
  const d = new Date(t);
  const time = d.toLocaleTimeString('en-GB');
  return d.toDateString() === new Date().toDateString() ? time : `${d.toLocaleDateString('en-GB', {day: 'numeric', month: 'short'})} ${time}`;
}

/**
 * The events shown, one CSV row each, newest first: times as the API gives them, the user's identity and device,
 * and the names of the definitions each matches, joined by "; ".
 */
export function liveRows(events) {
  return [['event_id', 'time', 'kind', 'name', 'path', 'text', 'hierarchy', 'identity', 'device_id', 'definitions'],
    ...events.map(e => [e.event_id, e.time, e.kind, e.name ?? '', e.path ?? '', e.text ?? '', e.hierarchy ?? '', e.identity ?? '',
      e.device_id ?? '', e.definitions.map(d => d.name).join('; ')])];
}

export class HsLive extends LitElement {
  static properties = {appId: {attribute: 'app-id'}, events: {state: true}, paused: {state: true},
    error: {state: true}, started: {state: true}};
  static styles = [base, css`
    .top { display: flex; align-items: center; gap: 12px; margin-bottom: 16px; }
    .top h1 { margin: 0; }
    .status { color: var(--muted); font-size: 13px; }
    .dot { display: inline-block; width: 8px; height: 8px; border-radius: 50%; background: var(--ok); margin-right: 6px; }
    .paused .dot { background: var(--muted); }
    .spacer { flex: 1; }
    .kind { font-size: 12px; font-weight: 600; padding: 1px 6px; border-radius: 4px; background: var(--accent-soft); color: var(--accent-text); white-space: nowrap; }
    .card { overflow-x: auto; }
    td.el { max-width: 200px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    td.el code { color: var(--muted); font-size: 12px; }
    td.user { max-width: 160px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    td.time { white-space: nowrap; font-variant-numeric: tabular-nums; }
    td.defs { min-width: 180px; }
    .def { display: inline-block; white-space: nowrap; font-size: 12px; padding: 1px 6px; margin: 1px 4px 1px 0; border-radius: 4px; background: var(--ok-bg); color: var(--ok); border: 1px solid #b7e0c2; }
    .error { color: var(--danger); font-size: 13px; }
  `];

  constructor() {
    super();
    this.events = [];
    this.paused = false;
    this.cursor = null;
  }

  connectedCallback() {
    super.connectedCallback();
    this.alive = true;
    this.poll();
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    // Leaving the screen stops the polling and drops the request in flight.
    this.alive = false;
    clearTimeout(this.timer);
    this.ctrl?.abort();
  }

  async poll() {
    clearTimeout(this.timer);
    if (!this.alive || this.paused) return;
    this.ctrl = new AbortController();
    const params = new URLSearchParams({limit: '100'});
    if (this.cursor != null) params.set('after', this.cursor);
    try {
      const a = await api(`/api/environments/${encodeURIComponent(this.appId)}/live?${params}`, {signal: this.ctrl.signal});
      this.cursor = a.cursor;
      if (a.events.length) this.events = [...a.events, ...this.events].slice(0, KEEP);
      this.error = null;
      this.started = true;
    } catch (e) {
      if (isAbort(e)) return;
      this.error = e.message;
    }
    if (this.alive && !this.paused) this.timer = setTimeout(() => this.poll(), EVERY_MS);
  }

  togglePause() {
    this.paused = !this.paused;
    if (this.paused) {
      clearTimeout(this.timer);
      this.ctrl?.abort();
    } else {
      this.poll();
    }
  }

  render() {
    return html`
      <div class="top ${this.paused ? 'paused' : ''}">
        <h1>Live events</h1>
        <span class="status" role="status"><span class="dot" aria-hidden="true"></span>${this.paused
          ? 'Paused' : 'Listening: new events appear every 2 seconds'}</span>
        <span class="spacer"></span>
        ${this.error ? html`<span class="error" role="alert">Could not load new events: ${this.error}</span>` : ''}
        ${this.events.length ? html`<button @click=${() => downloadCsv('live-events.csv', liveRows(this.events))}>Download CSV</button>` : ''}
        <button class=${this.paused ? 'primary' : ''} aria-pressed=${this.paused ? 'true' : 'false'}
          @click=${() => this.togglePause()}>${this.paused ? 'Resume' : 'Pause'}</button>
      </div>
      ${!this.started && !this.error ? html`<hs-state kind="loading" message="Loading the latest events…"></hs-state>`
        : !this.events.length ? html`<hs-state kind="empty" message="No events yet. Install the tracker or send an event; it shows here within seconds."></hs-state>`
        : html`<div class="card"><table>
          <thead><tr><th>Time</th><th>Event</th><th>Page</th><th>Element</th><th>User</th><th>Matches definitions</th></tr></thead>
          <tbody>${this.events.map(e => {
            return html`<tr data-event-id=${e.event_id}>
              <td class="time">${clock(e.time)}</td>
              <td><span class="kind">${eventLabel(e)}</span></td>
              <td>${e.path || '–'}</td>
              <td class="el" title=${[e.text, e.hierarchy].filter(Boolean).join('\n')}>${e.text ? html`“${e.text}” ` : ''}${e.hierarchy ? html`<code>${e.hierarchy}</code>` : e.text ? '' : '–'}</td>
              <td class="user">${userLink(this.appId, e.identity, e.device_id ? `device:${e.device_id}` : null)}</td>
              <td class="defs">${e.definitions.length ? e.definitions.map(d => html`<span class="def">${d.name}</span>`) : html`<span class="muted">–</span>`}</td></tr>`;
          })}</tbody></table>
          ${this.events.length >= KEEP ? html`<p class="muted">The newest ${KEEP} events are kept on this page.</p>` : ''}</div>`}`;
  }
}
customElements.define('hs-live', HsLive);

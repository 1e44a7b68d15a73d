// The Registry's violations: canonical events kept at capture because the registry refused them (README, "Validation
// at capture"), counted by type, listed with their reasons and payloads, filtered by type and event, and reprocessed
// once the registry is fixed.
import {LitElement, html, css, nothing} from 'lit';
import {api, isAbort, me} from './api.js';
import {base, formatNumber} from './ui.js';
import {canChange, problemText, registryStyles, when} from './registry-common.js';

/** The violation types in the README's order, with what each means. */
export const VIOLATION_TYPES = [
  ['unplanned_event', 'Unplanned event', 'no schema of the event'],
  ['required_missing', 'Required missing', 'a required property is absent'],
  ['type_mismatch', 'Type mismatch', 'a property is not of its type'],
  ['additional_property', 'Additional property', 'a property the schema does not name'],
  ['pii_not_hashed', 'PII not hashed', 'a PII property is not a SHA-256'],
  ['value_not_allowed', 'Value not allowed', 'a value outside the allowed ones'],
  ['event_id_conflict', 'Event id conflict', 'an event id replayed with another payload'],
];
const LABEL = Object.fromEntries(VIOLATION_TYPES.map(([k, l]) => [k, l]));
const PAGE = 50;

export class HsViolations extends LitElement {
  static properties = {appId: {attribute: 'app-id'}, go: {attribute: false}, type: {state: true}, event: {state: true},
    rows: {state: true}, counts: {state: true}, next: {state: true}, error: {state: true}, events: {state: true},
    result: {state: true}, busy: {state: true}};
  static styles = [base, registryStyles, css`
    .counts { display: flex; gap: 8px; flex-wrap: wrap; margin: 0 0 12px; padding: 0; list-style: none; }
    .counts button { display: flex; flex-direction: column; align-items: flex-start; min-width: 120px; padding: 8px 12px; text-align: left; }
    .counts button[aria-pressed=true] { border-color: var(--accent); background: var(--accent-soft); }
    .counts .n { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
    .counts .t { font-size: 12px; color: var(--muted); }
    .counts button[aria-pressed=true] .t { color: var(--accent-text); }
    ul.reasons { margin: 0; padding-left: 16px; }
    ul.reasons li { margin: 2px 0; }
    details summary { cursor: pointer; color: var(--accent-text); }
    details pre { margin: 6px 0 0; max-width: 520px; max-height: 320px; }
    td, th[scope=row] { vertical-align: top; }
    .result { padding: 8px 12px; border-radius: 6px; background: var(--ok-bg); color: var(--ok); margin: 0 0 12px; }
  `];

  constructor() {
    super();
    this.type = '';
    this.event = '';
    this.events = [];
  }

  connectedCallback() {
    super.connectedCallback();
    api(`${this.base}/schemas`).then(s => this.addEvents(s.schemas.map(x => x.event)), () => {});
    this.load();
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this.ctrl?.abort();
  }

  get base() {
    return `/api/environments/${encodeURIComponent(this.appId)}/registry`;
  }

  addEvents(list) {
    this.events = [...new Set([...this.events, ...list])].sort();
  }

  async load(cursor) {
    if (!cursor) this.ctrl?.abort();
    this.ctrl = cursor ? this.ctrl : new AbortController();
    const q = new URLSearchParams({limit: String(PAGE)});
    if (this.type) q.set('type', this.type);
    if (this.event) q.set('event', this.event);
    if (cursor) q.set('cursor', cursor);
    this.error = null;
    try {
      const page = await api(`${this.base}/violations?${q}`, {signal: this.ctrl.signal});
      this.rows = cursor ? [...this.rows, ...page.violations] : page.violations;
      this.counts = page.counts || {};
      this.next = page.next_cursor;
      this.addEvents(page.violations.map(v => v.event));
    } catch (e) {
      if (!isAbort(e)) this.error = e;
    }
  }

  filter(patch) {
    Object.assign(this, patch);
    this.rows = null;
    this.load();
  }

  async reprocess() {
    this.busy = true;
    this.result = null;
    try {
      const r = await api(`${this.base}/violations/reprocess`, {method: 'POST'});
      this.result = {ok: true, text: `Reprocessed ${formatNumber(r.checked)} kept ${r.checked === 1 ? 'event' : 'events'}: ${formatNumber(r.now_deliverable)} passed the registry now and left this list,`
        + ` ${formatNumber(r.still_violating)} still ${r.still_violating === 1 ? 'violates' : 'violate'} it${r.more ? '. More are left: reprocess again.' : '.'}`};
      this.rows = null;
      await this.load();
    } catch (e) {
      this.result = {ok: false, text: problemText(e)};
    } finally {
      this.busy = false;
    }
  }

  render() {
    const counts = this.counts || {};
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const architect = canChange();
    return html`<div class="top"><h2>Violations</h2>${this.counts ? html`<span class="muted" id="total">${formatNumber(total)} kept${this.event ? html` for <code>${this.event}</code>` : ''}</span>` : ''}
        <span class="spacer"></span>
        <button class="primary" id="reprocess" ?disabled=${!architect || this.busy} aria-describedby="reprocess-why" @click=${this.reprocess}>Reprocess</button></div>
      <p class="note" id="reprocess-why">Captured canonical events the registry refused are kept here and not delivered. After fixing the registry (a schema, a mapping),
        Reprocess checks them again: those that pass become deliverable.${architect ? '' : html` Only architects and admins reprocess (your role is ${me()?.role || 'unknown'}).`}</p>
      ${this.result ? html`<p class=${this.result.ok ? 'result' : 'err'} role=${this.result.ok ? 'status' : 'alert'} id="reprocess-result">${this.result.text}</p>` : ''}
      <ul class="counts" aria-label="Violations by type">${VIOLATION_TYPES.map(([k, l, why]) => html`<li><button aria-pressed=${this.type === k ? 'true' : 'false'}
          data-type=${k} title=${why} @click=${() => this.filter({type: this.type === k ? '' : k})}>
          <span class="n">${formatNumber(counts[k] || 0)}</span><span class="t">${l}</span></button></li>`)}</ul>
      <div class="row" style="margin-bottom:12px">
        <label>Type <select name="type" .value=${this.type} @change=${e => this.filter({type: e.target.value})}>
          <option value="" ?selected=${!this.type}>All types</option>
          ${VIOLATION_TYPES.map(([k, l]) => html`<option value=${k} ?selected=${this.type === k}>${l}</option>`)}</select></label>
        <label>Event <select name="event" .value=${this.event} @change=${e => this.filter({event: e.target.value})}>
          <option value="" ?selected=${!this.event}>All events</option>
          ${this.events.map(ev => html`<option value=${ev} ?selected=${this.event === ev}>${ev}</option>`)}</select></label>
      </div>
      ${this.renderList()}`;
  }

  renderList() {
    if (this.error) return html`<hs-state kind="error" .message=${this.error.message} @retry=${() => this.load()}></hs-state>`;
    if (!this.rows) return html`<hs-state kind="loading" message="Loading the violations…"></hs-state>`;
    if (!this.rows.length) {
      return html`<hs-state kind="empty" message=${this.type || this.event ? 'No violation of this type or event is kept.'
        : 'No violations: every captured canonical event passed the registry.'}"></hs-state>`;
    }
    return html`<table id="violations"><thead><tr><th scope="col">Received</th><th scope="col">Event</th><th scope="col">Reasons</th>
        <th scope="col">Payload</th></tr></thead>
      <tbody>${this.rows.map(v => html`<tr data-event-id=${v.event_id}>
        <td class="when">${when(v.received_at)}</td>
        <th scope="row"><code>${v.event}</code><small class="muted" style="display:block;font-weight:400">from ${v.source || 'no source'}</small>
          <small class="muted" style="display:block;font-weight:400">id <code>${v.event_id}</code></small></th>
        <td><ul class="reasons">${(v.violations || []).map(r => html`<li><span class="badge violating">${LABEL[r.type] || r.type}</span>
          ${r.property ? html` <code>${r.property}</code>` : nothing} ${r.message}</li>`)}</ul></td>
        <td><details><summary>Payload</summary><pre>${JSON.stringify(v.payload, null, 2)}</pre></details></td></tr>`)}</tbody></table>
      ${this.next ? html`<p><button @click=${() => this.load(this.next)}>Show more</button></p>` : ''}`;
  }
}
customElements.define('hs-violations', HsViolations);

// The Destinations screen (issue 15, point 8): the environment's destinations with their health, each one's set-up
// (per platform, secrets masked as the API answers them), mapping, test send, deliveries with dead letters and
// replay, its reconciliation for a period, and a canonical event's trace from its origin to every destination.
// /e/<app>/destinations, …/destinations/new, …/destinations/<id>, …/destinations/<id>/reconciliation,
// …/destinations/trace/<event id>. Architects and admins change destinations; analysts read them.
import {LitElement, html, css, nothing} from 'lit';
import {keyed} from 'lit/directives/keyed.js';
import {api, isAbort, roleAtLeast} from './api.js';
import {base, focusIfLost, formatNumber, SubRoutes} from './ui.js';

const KINDS = [['meta', 'Meta Conversions API'], ['ga4', 'Google Analytics 4'], ['hubspot', 'HubSpot'], ['webhook', 'Webhook'],
  ['google_ads', 'Google Ads Customer Match']];
const KIND_LABEL = Object.fromEntries(KINDS);
/** Each platform's settings: key, label, whether it is a secret (answered masked), and a hint. */
const SETTINGS = {
  meta: [['pixel_id', 'Pixel id'], ['access_token', 'Access token', true], ['test_event_code', 'Test event code', false, 'From Events Manager, Test events: used by test sends'],
    ['base_url', 'API base URL', false, 'Empty: https://graph.facebook.com']],
  ga4: [['measurement_id', 'Measurement id'], ['api_secret', 'API secret', true], ['base_url', 'API base URL', false, 'Empty: https://www.google-analytics.com']],
  hubspot: [['access_token', 'Private app access token', true], ['base_url', 'API base URL', false, 'Empty: https://api.hubapi.com']],
  webhook: [['url', 'Endpoint URL']],
  google_ads: [['customer_id', 'Customer id'], ['developer_token', 'Developer token', true], ['access_token', 'OAuth access token', true],
    ['login_customer_id', 'Manager (login) customer id', false, 'Empty: none'], ['base_url', 'API base URL', false, 'Empty: https://googleads.googleapis.com']],
};
/** Kinds that take audiences (cohort syncs) only, not events: no mapping, no test send, no deliveries. */
const AUDIENCES_ONLY = new Set(['google_ads']);
/** The settings the form edits field by field; any other (Meta's api_version, ...) is kept as it was. */
const FORM_SETTINGS = new Set([...Object.values(SETTINGS).flat().map(f => f[0]), 'secrets', 'action_source', 'contact_properties']);
const ACTION_SOURCES = ['website', 'app', 'email', 'phone_call', 'chat', 'physical_store', 'system_generated', 'business_messaging', 'other'];
const STATES = [['', 'All states'], ['pending', 'Pending'], ['sending', 'Sending'], ['retrying', 'Retrying'], ['delivered', 'Delivered'],
  ['dead', 'Dead-lettered'], ['skipped', 'Skipped']];
const PERIODS = [['-24h', 'Last 24 hours'], ['-7d', 'Last 7 days'], ['-30d', 'Last 30 days'], ['-90d', 'Last 90 days']];
const BUSY = new Set(['pending', 'sending', 'retrying']);

const canEdit = () => roleAtLeast('architect');
const envPath = (appId, rest) => `/api/environments/${encodeURIComponent(appId)}${rest}`;

/** The places below /e/<app>/destinations: ['', …], ['new'], [id], [id, 'reconciliation'], ['trace', eventId]. */
export function destinationPlace(path) {
  const m = /^\/e\/[^/]+\/destinations(?:\/(.*))?$/.exec(path || '');
  return (m?.[1] || '').split('/').map(decodeURIComponent);
}

function latency(h) {
  return h?.latency_ms?.p50 == null ? '–' : `${formatNumber(h.latency_ms.p50)} / ${formatNumber(h.latency_ms.p95)} ms`;
}

function when(iso) {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC') : '–';
}

const shared = css`
  .top { display: flex; align-items: center; gap: 12px; margin-bottom: 12px; flex-wrap: wrap; }
  .top h1 { margin: 0; }
  h1:focus { outline: none; }
  .spacer { flex: 1; }
  a.button { background: var(--accent); color: #fff; text-decoration: none; border-radius: 6px; padding: 6px 12px; font-weight: 600; }
  .badge { font-size: 11px; font-weight: 600; padding: 1px 6px; border-radius: 4px; background: var(--bg-code); color: var(--muted); white-space: nowrap; }
  .badge.delivered, .badge.ok { background: var(--ok-bg); color: var(--ok); }
  .badge.dead, .badge.bad { background: #fdecea; color: var(--danger); }
  .badge.retrying, .badge.pending, .badge.sending { background: #fff4e5; color: #8a4b00; }
  .err { color: var(--danger); }
  .err ul { margin: 4px 0 0; padding-left: 18px; }
  .mono, td.id { font-family: var(--mono); font-size: 12.5px; overflow-wrap: anywhere; }
  section { margin-top: 20px; }
  .note { font-size: 12px; color: var(--muted); font-weight: 400; }
`;

export class HsDestinations extends LitElement {
  static properties = {appId: {attribute: 'app-id'}, path: {}, list: {state: true}, error: {state: true}};
  static styles = [base, shared, css`
    form.search { display: flex; gap: 8px; align-items: end; }
    form.search input { width: 280px; }
    td.num { white-space: nowrap; }
  `];

  constructor() {
    super();
    this.routes = new SubRoutes(this, 'destinations');
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this.ctrl?.abort();
  }

  get place() {
    return destinationPlace(this.path);
  }

  updated(changed) {
    if ((changed.has('path') || changed.has('appId')) && this.place[0] === '') {
      this.load();
      focusIfLost(this.renderRoot.querySelector('h1'));
    }
  }

  open(sub) {
    this.routes.open(sub);
  }

  async load() {
    this.ctrl?.abort();
    this.ctrl = new AbortController();
    this.error = null;
    try {
      this.list = (await api(envPath(this.appId, '/destinations'), {signal: this.ctrl.signal})).destinations;
    } catch (e) {
      if (!isAbort(e)) this.error = e;
    }
  }

  render() {
    const [first, second] = this.place;
    const nav = e => this.open(e.detail);
    // One element per place: a new destination's form becomes the saved destination's page as a new element.
    if (first === 'trace') return keyed('trace', html`<hs-trace app-id=${this.appId} .eventId=${second || ''} @navigate=${nav}></hs-trace>`);
    if (/^\d+$/.test(first) && second === 'reconciliation') {
      return keyed(`${first}/reconciliation`, html`<hs-reconciliation app-id=${this.appId} .destId=${Number(first)} @navigate=${nav}></hs-reconciliation>`);
    }
    if (first === 'new' || /^\d+$/.test(first)) {
      return keyed(first, html`<hs-destination app-id=${this.appId} .destId=${first === 'new' ? null : Number(first)} @navigate=${nav}></hs-destination>`);
    }
    const app = encodeURIComponent(this.appId);
    const link = (sub, text) => html`<a href=${`/e/${app}/destinations/${sub}`} @click=${e => { e.preventDefault(); this.open(sub); }}>${text}</a>`;
    return html`<div class="top"><h1 tabindex="-1">Destinations</h1><span class="spacer"></span>
        <form class="search" role="search" @submit=${e => { e.preventDefault(); const v = e.target.elements.event.value.trim(); if (v) this.open(`trace/${encodeURIComponent(v)}`); }}>
          <label>Trace a canonical event<input name="event" placeholder="event_id" autocomplete="off"></label><button>Trace</button></form>
        ${canEdit() ? html`<a class="button" href=${`/e/${app}/destinations/new`} @click=${e => { e.preventDefault(); this.open('new'); }}>New destination</a>` : ''}</div>
      ${this.error ? html`<hs-state kind="error" .message=${this.error.message} @retry=${() => this.load()}></hs-state>`
        : !this.list ? html`<hs-state kind="loading" message="Loading the destinations…"></hs-state>`
        : !this.list.length ? html`<hs-state kind="empty" message=${canEdit() ? 'No destinations yet. Add Meta, GA4, HubSpot or a webhook to deliver canonical events.' : 'No destinations yet; architects and admins set them up.'}></hs-state>`
        : html`<table id="destinations"><caption class="note" style="text-align:left;caption-side:bottom;padding-top:6px">Health over the last 24 hours of received events; latency is the p50 / p95 of the delivered requests.</caption>
          <thead><tr><th scope="col">Destination</th><th scope="col">Kind</th><th scope="col">Enabled</th><th scope="col" class="num">Delivered</th>
            <th scope="col" class="num">Pending or retrying</th><th scope="col" class="num">Dead-lettered</th><th scope="col" class="num">Skipped</th><th scope="col" class="num">Latency</th></tr></thead>
          <tbody>${this.list.map(d => html`<tr data-id=${d.id}>
            <th scope="row">${link(String(d.id), d.name)}</th><td>${KIND_LABEL[d.kind] || d.kind}</td>
            <td>${d.enabled ? html`<span class="badge ok">on</span>` : html`<span class="badge">off</span>`}</td>
            <td class="num delivered">${formatNumber(d.health?.delivered)}</td>
            <td class="num retrying">${formatNumber((d.health?.pending ?? 0) + (d.health?.retrying ?? 0))}</td>
            <td class="num dead">${formatNumber(d.health?.dead_lettered)}</td>
            <td class="num">${formatNumber(d.health?.skipped)}</td>
            <td class="num">${latency(d.health)}</td></tr>`)}</tbody></table>`}`;
  }
}
customElements.define('hs-destinations', HsDestinations);

/** The form's model of a destination (a new webhook when null). */
export function formModel(d) {
  const s = d?.settings || {};
  const rules = Object.entries(d?.mapping || {}).map(([event, r]) => ({
    event, name: typeof r === 'string' ? r : r.name,
    fields: Object.entries((typeof r === 'object' && r.fields) || {}).map(([to, from]) => ({to, from})),
  }));
  return {
    name: d?.name || '', kind: d?.kind || 'webhook', enabled: d ? d.enabled : true, required_consent: d?.required_consent || '',
    concurrency: d?.concurrency ?? 4, rate_per_second: d?.rate_per_second ?? 0, retry_window_seconds: d?.retry_window_seconds ?? 14400,
    settings: {action_source: 'website', ...s}, contactProperties: s.contact_properties ? JSON.stringify(s.contact_properties) : '', secrets: Array.isArray(s.secrets) ? [...s.secrets] : [], newSecret: '', keepOld: true,
    mapping: rules.length ? rules : [{event: '', name: '', fields: []}],
  };
}

/** The API body of the form's model. */
export function formBody(m) {
  const settings = {};
  for (const [k, v] of Object.entries(m.settings)) if (!FORM_SETTINGS.has(k) && v != null && v !== '') settings[k] = v;
  for (const [key] of SETTINGS[m.kind]) {
    const v = (m.settings[key] ?? '').toString().trim();
    if (v) settings[key] = v;
  }
  if (m.kind === 'meta') settings.action_source = m.settings.action_source || 'website';
  if (m.kind === 'hubspot' && m.contactProperties.trim()) {
    try {
      settings.contact_properties = JSON.parse(m.contactProperties);
    } catch {
      throw new Error('Contact properties: not JSON (an object such as {"firstname": "first_name"})');
    }
  }
  if (m.kind === 'webhook') {
    const fresh = m.newSecret.trim();
    settings.secrets = fresh ? (m.keepOld ? [fresh, ...m.secrets] : [fresh]) : m.secrets;
  }
  const mapping = {};
  for (const r of AUDIENCES_ONLY.has(m.kind) ? [] : m.mapping) {
    if (!r.event.trim()) continue;
    const fields = {};
    for (const f of r.fields) if (f.to.trim()) fields[f.to.trim()] = f.from.trim();
    mapping[r.event.trim()] = {name: r.name.trim(), fields};
  }
  return {name: m.name.trim(), kind: m.kind, enabled: m.enabled, required_consent: m.required_consent.trim() || null, settings, mapping,
    concurrency: Number(m.concurrency), rate_per_second: Number(m.rate_per_second), retry_window_seconds: Number(m.retry_window_seconds)};
}

export class HsDestination extends LitElement {
  static properties = {
    appId: {attribute: 'app-id'}, destId: {attribute: false}, dest: {state: true}, model: {state: true}, loadError: {state: true},
    errors: {state: true}, message: {state: true}, saving: {state: true}, schemas: {state: true}, testEvent: {state: true},
    testResult: {state: true}, testing: {state: true}, deliveries: {state: true}, stateFilter: {state: true}, deliveriesError: {state: true},
    replayMessage: {state: true}, testProps: {state: true},
  };
  static styles = [base, shared, css`
    form { display: grid; gap: 16px; }
    fieldset { border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px 16px; margin: 0; min-width: 0; background: var(--bg-raised); }
    legend { font-weight: 600; padding: 0 4px; }
    .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 12px; }
    .grid label input, .grid label select { width: 100%; box-sizing: border-box; }
    .grid .setting label { display: flex; }
    .grid label.check { align-self: end; padding-bottom: 6px; }
    .grid label.check input { width: auto; }
    input.props { width: 380px; font-family: var(--mono); font-size: 12.5px; }
    .setting .note { margin-top: 2px; }
    label.check { flex-direction: row; align-items: center; gap: 6px; font-size: 14px; color: var(--fg); }
    .rule { border: 1px solid var(--line); border-radius: 8px; padding: 10px; margin-bottom: 8px; display: grid; gap: 8px; background: var(--bg); }
    .pair { display: flex; gap: 8px; align-items: end; flex-wrap: wrap; }
    .secrets { list-style: none; padding: 0; margin: 0 0 8px; display: flex; gap: 6px; flex-wrap: wrap; }
    .health { display: grid; grid-template-columns: repeat(auto-fill, minmax(140px, 1fr)); gap: 8px; }
    .health div { background: var(--bg-raised); border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px; }
    .health strong { display: block; font-size: 20px; }
    .actions { display: flex; gap: 8px; align-items: center; }
    .answer { display: grid; gap: 8px; }
    pre { max-height: 160px; margin: 0; }
    td pre { max-height: 80px; padding: 4px 6px; }
  `];

  connectedCallback() {
    super.connectedCallback();
    this.ctrl = new AbortController();
    this.stateFilter = '';
    this.testProps = '{"order_id": "test-order-1", "value": 1, "currency": "EUR"}';
    api(envPath(this.appId, '/registry/schemas'), {signal: this.ctrl.signal}).then(r => { this.schemas = r.schemas; }).catch(() => { this.schemas = []; });
    this.reset();
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this.ctrl?.abort();
    clearTimeout(this.poll);
  }

  updated(changed) {
    const h1 = this.renderRoot.querySelector('h1');
    if (h1 && !this.headingShown) {
      this.headingShown = true;
      focusIfLost(h1);
    }
    if (changed.has('destId') && changed.get('destId') !== undefined) this.reset();
  }

  reset() {
    this.errors = null;
    this.message = null;
    this.testResult = null;
    if (this.destId == null) {
      this.dest = null;
      this.model = formModel(null);
      return;
    }
    this.load();
    this.loadDeliveries();
  }

  async load() {
    try {
      this.dest = await api(envPath(this.appId, `/destinations/${this.destId}`), {signal: this.ctrl.signal});
      this.model = formModel(this.dest);
      this.testEvent = Object.keys(this.dest.mapping || {})[0] || '';
    } catch (e) {
      if (!isAbort(e)) this.loadError = e;
    }
  }

  async loadDeliveries() {
    clearTimeout(this.poll);
    this.deliveriesError = null;
    // The health follows the deliveries: both change as the worker goes.
    api(envPath(this.appId, `/destinations/${this.destId}/health`), {signal: this.ctrl.signal})
      .then(h => { if (this.dest) this.dest = {...this.dest, health: h}; }).catch(() => {});
    try {
      const q = this.stateFilter ? `&state=${this.stateFilter}` : '';
      this.deliveries = (await api(envPath(this.appId, `/destinations/${this.destId}/deliveries?limit=50${q}`), {signal: this.ctrl.signal})).deliveries;
      // While rows wait for their worker (just captured or replayed), the list follows them for a while.
      if (this.deliveries.some(d => BUSY.has(d.state)) && (this.polls = (this.polls || 0) + 1) <= 30) {
        this.poll = setTimeout(() => this.loadDeliveries(), 1000);
      }
    } catch (e) {
      if (!isAbort(e)) this.deliveriesError = e;
    }
  }

  set(patch) {
    this.model = {...this.model, ...patch};
  }

  setting(key, value) {
    this.set({settings: {...this.model.settings, [key]: value}});
  }

  rule(i, patch) {
    this.set({mapping: this.model.mapping.map((r, k) => (k === i ? {...r, ...patch} : r))});
  }

  field(i, j, patch) {
    this.rule(i, {fields: this.model.mapping[i].fields.map((f, k) => (k === j ? {...f, ...patch} : f))});
  }

  go(sub) {
    this.dispatchEvent(new CustomEvent('navigate', {detail: sub, bubbles: true, composed: true}));
  }

  async save(e) {
    e.preventDefault();
    this.saving = true;
    this.errors = null;
    this.message = null;
    try {
      const body = formBody(this.model);
      const saved = this.destId == null
        ? await api(envPath(this.appId, '/destinations'), {method: 'POST', body})
        : await api(envPath(this.appId, `/destinations/${this.destId}`), {method: 'PUT', body});
      if (this.destId == null) {
        this.go(String(saved.id));
        return;
      }
      this.dest = {...saved, health: this.dest?.health};
      this.model = formModel(saved);
      this.message = 'Saved.';
    } catch (err) {
      this.errors = {message: err.message, details: err.fieldErrors || []};
    } finally {
      this.saving = false;
    }
  }

  async deleteDestination() {
    if (!confirm(`Delete the destination “${this.dest.name}”? Its undelivered events are not sent.`)) return;
    try {
      await api(envPath(this.appId, `/destinations/${this.destId}`), {method: 'DELETE'});
      this.go('');
    } catch (err) {
      this.errors = {message: err.message, details: err.fieldErrors || []};
    }
  }

  async test() {
    this.testing = true;
    this.testResult = null;
    try {
      let properties;
      try {
        properties = JSON.parse(this.testProps || '{}');
      } catch {
        this.testResult = {error: 'Properties: not JSON (an object such as {"order_id": "test-1", "value": 1})', details: []};
        return;
      }
      const body = {properties};
      if (this.testEvent) body.event = this.testEvent;
      this.testResult = await api(envPath(this.appId, `/destinations/${this.destId}/test`), {method: 'POST', body});
    } catch (err) {
      this.testResult = {error: err.message, details: err.fieldErrors || []};
    } finally {
      this.testing = false;
    }
  }

  async replay(eventIds) {
    this.replayMessage = null;
    try {
      const r = await api(envPath(this.appId, `/destinations/${this.destId}/replay`), {method: 'POST', body: eventIds ? {event_ids: eventIds} : {}});
      this.replayMessage = `${formatNumber(r.replayed)} dead-lettered ${r.replayed === 1 ? 'event waits' : 'events wait'} for delivery again.`;
      this.polls = 0;
      this.loadDeliveries();
    } catch (err) {
      this.replayMessage = err.message;
    }
  }

  render() {
    if (this.loadError) return html`<hs-state kind="error" .message=${this.loadError.message} @retry=${() => { this.loadError = null; this.reset(); }}></hs-state>`;
    if (!this.model) return html`<hs-state kind="loading" message="Loading the destination…"></hs-state>`;
    const app = encodeURIComponent(this.appId);
    const link = (sub, text) => html`<a href=${`/e/${app}/destinations${sub ? `/${sub}` : ''}`} @click=${e => { e.preventDefault(); this.go(sub); }}>${text}</a>`;
    const d = this.dest;
    return html`<div class="top">${link('', '← All destinations')}</div>
      <div class="top"><h1 tabindex="-1">${d ? d.name : 'New destination'}</h1>${d ? html`<span class="badge">${KIND_LABEL[d.kind]}</span>` : ''}
        <span class="spacer"></span>${d ? link(`${d.id}/reconciliation`, 'Reconciliation') : ''}</div>
      ${d?.health ? this.renderHealth(d.health) : ''}
      ${this.renderForm()}
      ${d && !AUDIENCES_ONLY.has(d.kind) ? this.renderTest() : ''}
      ${d && !AUDIENCES_ONLY.has(d.kind) ? this.renderDeliveries() : ''}`;
  }

  renderHealth(h) {
    return html`<section aria-labelledby="health-h"><h2 id="health-h">Health, last 24 hours</h2><div class="health" id="health">
      <div><strong class="delivered">${formatNumber(h.delivered)}</strong>delivered</div>
      <div><strong class="retrying">${formatNumber(h.pending + h.retrying)}</strong>pending or retrying</div>
      <div><strong class="dead">${formatNumber(h.dead_lettered)}</strong>dead-lettered</div>
      <div><strong>${formatNumber(h.skipped)}</strong>skipped</div>
      <div><strong>${latency(h)}</strong>latency p50 / p95</div></div></section>`;
  }

  renderForm() {
    const m = this.model;
    const editable = canEdit();
    const events = (this.schemas || []).map(s => s.event);
    return html`<section aria-labelledby="setup-h"><h2 id="setup-h">Set-up</h2>
      ${editable ? '' : html`<p class="note">Analysts see the set-up; architects and admins change it.</p>`}
      <form @submit=${this.save} novalidate>
      <fieldset ?disabled=${!editable}><legend>Destination</legend><div class="grid">
        <label>Name<input name="name" .value=${m.name} @input=${e => this.set({name: e.target.value})} required></label>
        <label>Kind<select name="kind" ?disabled=${this.destId != null} @change=${e => this.set({kind: e.target.value})}>
          ${KINDS.map(([k, l]) => html`<option value=${k} ?selected=${m.kind === k}>${l}</option>`)}</select></label>
        <label>Required consent flag<input name="required_consent" .value=${m.required_consent} placeholder="none" @input=${e => this.set({required_consent: e.target.value})}></label>
        <label class="check"><input type="checkbox" name="enabled" .checked=${m.enabled} @change=${e => this.set({enabled: e.target.checked})}>Enabled</label>
      </div><p class="note">${AUDIENCES_ONLY.has(m.kind)
        ? html`A member whose <code>consents</code> user property lacks the required flag is not in the audience.`
        : html`Nothing is sent for a user whose event's <code>consents</code> lacks the required flag.`}</p></fieldset>
      <fieldset ?disabled=${!editable}><legend>${KIND_LABEL[m.kind]}</legend><div class="grid">
        ${SETTINGS[m.kind].map(([key, label, secret, hint]) => html`<div class="setting"><label>${label}
          <input name=${key} .value=${m.settings[key] ?? ''} autocomplete="off" spellcheck="false" @input=${e => this.setting(key, e.target.value)}
            aria-describedby=${secret || hint ? `${key}-hint` : nothing}></label>
          ${secret || hint ? html`<div class="note" id=${`${key}-hint`}>${secret ? 'Shown masked; type a new value to replace it.' : hint}</div>` : ''}</div>`)}
        ${m.kind === 'hubspot' ? html`<div class="setting"><label>Contact properties (JSON)<input name="contact_properties" spellcheck="false" autocomplete="off"
            .value=${m.contactProperties} placeholder='{"firstname": "first_name"}' aria-describedby="contact-hint" @input=${e => this.set({contactProperties: e.target.value})}></label>
          <div class="note" id="contact-hint">HubSpot contact property → the user trait it takes</div></div>` : ''}
        ${m.kind === 'meta' ? html`<label>Action source<select name="action_source" @change=${e => this.setting('action_source', e.target.value)}>
          ${ACTION_SOURCES.map(a => html`<option ?selected=${m.settings.action_source === a}>${a}</option>`)}</select></label>` : ''}
      </div>
      ${m.kind === 'webhook' ? this.renderSecrets() : ''}</fieldset>
      ${AUDIENCES_ONLY.has(m.kind) ? '' : html`<fieldset ?disabled=${!editable}><legend>Delivery</legend><div class="grid">
        <label>Concurrent requests<input type="number" name="concurrency" min="1" max="64" .value=${String(m.concurrency)} @input=${e => this.set({concurrency: e.target.value})}></label>
        <label>Requests per second (0: no limit)<input type="number" name="rate_per_second" min="0" step="any" .value=${String(m.rate_per_second)} @input=${e => this.set({rate_per_second: e.target.value})}></label>
        <label>Retry window (seconds)<input type="number" name="retry_window_seconds" min="0" max="604800" .value=${String(m.retry_window_seconds)} @input=${e => this.set({retry_window_seconds: e.target.value})}></label>
      </div></fieldset>`}
      ${AUDIENCES_ONLY.has(m.kind) ? html`<p class="note">${KIND_LABEL[m.kind]} takes audiences, not events: sync a saved cohort to it
        under Audience syncs. Canonical events reach Google through a GA4 destination.</p>` : html`
      <fieldset ?disabled=${!editable} id="mapping"><legend>Mapping: canonical event → ${KIND_LABEL[m.kind]} event</legend>
        <datalist id="canonical-events">${events.map(e => html`<option value=${e}></option>`)}</datalist>
        ${m.mapping.map((r, i) => this.renderRule(r, i))}
        <button type="button" @click=${() => this.set({mapping: [...m.mapping, {event: '', name: '', fields: []}]})}>Add an event</button>
      </fieldset>`}
      ${this.errors ? html`<div class="err" role="alert">${this.errors.message}${this.errors.details.length ? html`<ul>${this.errors.details.map(x => html`<li>${x}</li>`)}</ul>` : ''}</div>` : ''}
      ${editable ? html`<div class="actions"><button class="primary" ?disabled=${this.saving}>${this.destId == null ? 'Create destination' : 'Save'}</button>
        ${this.destId != null ? html`<button type="button" @click=${this.deleteDestination}>Delete</button>` : ''}
        <span role="status">${this.message || ''}</span></div>` : ''}
      </form></section>`;
  }

  renderSecrets() {
    const m = this.model;
    return html`<div style="margin-top:12px"><div class="note">Signing secrets, current first (each request is signed with every one; see the README's verification recipe)</div>
      ${m.secrets.length ? html`<ul class="secrets" aria-label="Signing secrets">${m.secrets.map((s, i) => html`<li><span class="badge mono">${s}</span>${i === 0 ? ' current' : ''}</li>`)}</ul>` : ''}
      <div class="pair"><label>${m.secrets.length ? 'New signing secret (rotation)' : 'Signing secret'}<input name="new_secret" autocomplete="off" spellcheck="false" .value=${m.newSecret}
          @input=${e => this.set({newSecret: e.target.value})}></label>
        ${m.secrets.length ? html`<label class="check"><input type="checkbox" .checked=${m.keepOld} @change=${e => this.set({keepOld: e.target.checked})}>Keep signing with the previous secrets during the rotation</label>` : ''}
        ${m.secrets.length > 1 ? html`<button type="button" @click=${() => this.set({secrets: m.secrets.slice(0, 1)})}>Finish the rotation</button>` : ''}</div></div>`;
  }

  renderRule(r, i) {
    const props = (this.schemas || []).find(s => s.event === r.event)?.properties;
    const listId = `props-${i}`;
    return html`<div class="rule" data-rule=${i}>
      <div class="pair"><label>Canonical event<input list="canonical-events" name=${`event-${i}`} .value=${r.event} @input=${e => this.rule(i, {event: e.target.value})}></label>
        <label>Sent as<input name=${`name-${i}`} .value=${r.name} placeholder=${this.model.kind === 'meta' ? 'Purchase' : 'purchase'} @input=${e => this.rule(i, {name: e.target.value})}></label>
        <button type="button" aria-label=${`Remove the mapping of ${r.event || 'this event'}`} @click=${() => this.set({mapping: this.model.mapping.filter((_, k) => k !== i)})}>Remove</button></div>
      <datalist id=${listId}>${Object.keys(props || {}).map(p => html`<option value=${p}></option>`)}</datalist>
      ${r.fields.map((f, j) => html`<div class="pair">
        <label>Destination field<input name=${`to-${i}-${j}`} .value=${f.to} @input=${e => this.field(i, j, {to: e.target.value})}></label>
        <label>from canonical property<input list=${listId} name=${`from-${i}-${j}`} .value=${f.from} @input=${e => this.field(i, j, {from: e.target.value})}></label>
        <button type="button" aria-label=${`Remove the field ${f.to || j + 1}`} @click=${() => this.rule(i, {fields: r.fields.filter((_, k) => k !== j)})}>Remove</button></div>`)}
      <div>${r.fields.length ? '' : html`<span class="note">No field pairs: every property is sent under its own name. </span>`}
        <button type="button" @click=${() => this.rule(i, {fields: [...r.fields, {to: '', from: ''}]})}>Add a field</button></div></div>`;
  }

  renderTest() {
    const t = this.testResult;
    const events = Object.keys(this.dest.mapping || {});
    return html`<section aria-labelledby="test-h"><h2 id="test-h">Test send</h2>
      ${canEdit() ? html`<div class="pair"><label>Canonical event<select name="test-event" @change=${e => { this.testEvent = e.target.value; }}>
          ${events.map(e => html`<option ?selected=${e === this.testEvent}>${e}</option>`)}</select></label>
        <label>Properties (JSON)<input class="props" name="test-properties" spellcheck="false" autocomplete="off" .value=${this.testProps}
          @input=${e => { this.testProps = e.target.value; }}></label>
        <button @click=${this.test} ?disabled=${this.testing}>${this.testing ? 'Sending…' : 'Send a test event'}</button></div>
        <p class="note">A sample event of a test user, marked as a test (Meta's test event code, GA4's validation endpoint).</p>` : html`<p class="note">Architects and admins send test events.</p>`}
      ${t ? html`<div class="answer card" id="test-result" role="status">
        ${t.error ? html`<div class="err">${t.error}</div>` : html`
        <div><span class="badge ${t.ok ? 'ok' : 'bad'}">${t.ok ? 'accepted' : 'not accepted'}</span> <span class="mono">${t.event_id}</span></div>
        ${t.answers.length ? html`<table><thead><tr><th scope="col">Outcome</th><th scope="col">Status</th><th scope="col">Answer</th></tr></thead>
          <tbody>${t.answers.map(a => html`<tr><td>${a.outcome}</td><td class="status">${a.status}</td><td><pre>${a.body}</pre></td></tr>`)}</tbody></table>` : ''}
        ${t.messages.length ? html`<div>Messages: <ul>${t.messages.map(x => html`<li>${x}</li>`)}</ul></div>` : ''}
        ${t.skipped.length ? html`<div>Not sent: <ul class="skipped">${t.skipped.map(s => html`<li><strong>${s.reason}</strong>: ${s.detail}</li>`)}</ul></div>` : ''}`}
      </div>` : ''}</section>`;
  }

  renderDeliveries() {
    const app = encodeURIComponent(this.appId);
    const rows = this.deliveries;
    const dead = rows?.filter(r => r.state === 'dead') || [];
    return html`<section aria-labelledby="deliveries-h"><h2 id="deliveries-h">Deliveries</h2>
      <div class="pair"><label>State<select name="state" @change=${e => { this.stateFilter = e.target.value; this.polls = 0; this.loadDeliveries(); }}>
          ${STATES.map(([v, l]) => html`<option value=${v} ?selected=${this.stateFilter === v}>${l}</option>`)}</select></label>
        <button @click=${() => { this.polls = 0; this.loadDeliveries(); }}>Refresh</button>
        ${canEdit() && this.stateFilter === 'dead' && dead.length ? html`<button @click=${() => this.replay(null)}>Replay all dead-lettered</button>` : ''}
        <span role="status">${this.replayMessage || ''}</span></div>
      ${this.deliveriesError ? html`<hs-state kind="error" .message=${this.deliveriesError.message} @retry=${() => this.loadDeliveries()}></hs-state>`
        : !rows ? html`<hs-state kind="loading" message="Loading the deliveries…"></hs-state>`
        : !rows.length ? html`<hs-state kind="empty" message=${this.stateFilter ? 'No deliveries in this state.' : 'No deliveries yet: canonical events this destination maps show here once captured.'}></hs-state>`
        : html`<table id="deliveries"><thead><tr><th scope="col">Event id</th><th scope="col">State</th><th scope="col" class="num">Attempts</th>
            <th scope="col">Last answer</th><th scope="col">Received</th><th scope="col"><span class="note">Action</span></th></tr></thead>
          <tbody>${rows.map(r => html`<tr data-event=${r.event_id}>
            <td class="id"><a href=${`/e/${app}/destinations/trace/${encodeURIComponent(r.event_id)}`} @click=${e => { e.preventDefault(); this.go(`trace/${encodeURIComponent(r.event_id)}`); }}>${r.event_id}</a></td>
            <td><span class="badge ${r.state}">${r.state === 'dead' ? 'dead-lettered' : r.state}</span></td>
            <td class="num">${r.attempts}</td>
            <td>${r.last_status != null ? html`<span class="mono">${r.last_status}</span> ` : ''}${r.reason ? html`<span class="reason">${r.reason}</span>` : ''}</td>
            <td>${when(r.created_at)}</td>
            <td>${r.state === 'dead' && canEdit() ? html`<button aria-label=${`Replay ${r.event_id}`} @click=${() => this.replay([r.event_id])}>Replay</button>` : ''}</td></tr>`)}</tbody></table>`}
      </section>`;
  }
}
customElements.define('hs-destination', HsDestination);

export class HsReconciliation extends LitElement {
  static properties = {appId: {attribute: 'app-id'}, destId: {attribute: false}, period: {state: true}, data: {state: true}, error: {state: true}};
  static styles = [base, shared, css`
    td.bar { width: 30%; }
    .bar div { height: 14px; background: var(--accent); border-radius: 3px; min-width: 1px; }
    ul.reasons { margin: 0; padding-left: 16px; }
    ul.reasons li { margin: 2px 0; }
    td.count { font-size: 16px; font-weight: 600; }
  `];

  connectedCallback() {
    super.connectedCallback();
    this.period = '-7d';
    this.load();
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this.ctrl?.abort();
  }

  updated() {
    const h1 = this.renderRoot.querySelector('h1');
    if (h1 && !this.headingShown) {
      this.headingShown = true;
      focusIfLost(h1);
    }
  }

  async load() {
    this.ctrl?.abort();
    this.ctrl = new AbortController();
    this.error = null;
    this.data = null;
    try {
      this.data = await api(envPath(this.appId, `/destinations/${this.destId}/reconciliation?from=${this.period}&to=now`), {signal: this.ctrl.signal});
    } catch (e) {
      if (!isAbort(e)) this.error = e;
    }
  }

  render() {
    const app = encodeURIComponent(this.appId);
    const go = sub => e => { e.preventDefault(); this.dispatchEvent(new CustomEvent('navigate', {detail: sub, bubbles: true, composed: true})); };
    const r = this.data;
    const top = r?.stages[0]?.count || 0;
    return html`<div class="top"><a href=${`/e/${app}/destinations/${this.destId}`} @click=${go(String(this.destId))}>← ${r?.destination || 'The destination'}</a></div>
      <div class="top"><h1 tabindex="-1">Reconciliation${r ? html`: ${r.destination}` : ''}</h1><span class="spacer"></span>
        <label>Period<select name="period" @change=${e => { this.period = e.target.value; this.load(); }}>
          ${PERIODS.map(([v, l]) => html`<option value=${v} ?selected=${v === this.period}>${l}</option>`)}</select></label></div>
      ${this.error ? html`<hs-state kind="error" .message=${this.error.message} @retry=${() => this.load()}></hs-state>`
        : !r ? html`<hs-state kind="loading" message="Counting every stage…"></hs-state>`
        : html`<p class="note">Canonical events of ${r.events.length ? r.events.map((e, i) => html`${i ? ', ' : ''}<code>${e}</code>`) : 'no event (the mapping is empty)'}
            received from ${when(r.from)} to ${when(r.to)} (by the time Hindsight received them), through each stage to ${KIND_LABEL[r.kind]}.</p>
          <table id="stages"><thead><tr><th scope="col">Stage</th><th scope="col" class="num">Events</th><th scope="col"><span class="note">Share of captured</span></th>
            <th scope="col" class="num">Dropped</th><th scope="col">Why</th></tr></thead>
          <tbody>${r.stages.map(s => html`<tr data-stage=${s.stage}>
            <th scope="row">${s.label}${s.stage === 'accepted' ? html`<div class="note">${s.reported_by_destination ? `as ${KIND_LABEL[r.kind]} counted it` : s.note}</div>` : ''}</th>
            <td class="num count">${formatNumber(s.count)}</td>
            <td class="bar" aria-hidden="true"><div style=${`width:${top ? Math.max(0, Math.round(100 * s.count / top)) : 0}%`}></div></td>
            <td class="num dropped">${s.dropped == null ? '' : formatNumber(s.dropped)}</td>
            <td>${s.reasons.length ? html`<ul class="reasons">${s.reasons.map(x => html`<li><strong>${x.reason}</strong>: ${formatNumber(x.count)}${x.detail ? html` <span class="note">${x.detail.startsWith(`${x.reason}: `) ? x.detail.slice(x.reason.length + 2) : x.detail}</span>` : ''}</li>`)}</ul>` : ''}</td></tr>`)}
          </tbody></table>
          <p class="note">An event with several violations is counted once in the drop and once under each of its violation types.</p>`}`;
  }
}
customElements.define('hs-reconciliation', HsReconciliation);

export class HsTrace extends LitElement {
  static properties = {appId: {attribute: 'app-id'}, eventId: {attribute: false}, trace: {state: true}, error: {state: true}};
  static styles = [base, shared, css`
    form.search { display: flex; gap: 8px; align-items: end; margin-bottom: 16px; }
    form.search input { width: 360px; }
    .steps { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 12px; }
    .step { background: var(--bg-raised); border: 1px solid var(--line); border-radius: 8px; padding: 12px; min-width: 0; }
    .step h3 { margin: 0 0 8px; font-size: 14px; }
    dl { margin: 0; display: grid; grid-template-columns: auto 1fr; gap: 2px 8px; font-size: 13px; }
    dt { color: var(--muted); }
    dd { margin: 0; overflow-wrap: anywhere; }
    td.order { white-space: nowrap; }
    table#ids th[scope=row] { width: 22%; }
    table#ids td.user { width: 34%; }
  `];

  updated(changed) {
    if (changed.has('eventId')) this.load();
    const h1 = this.renderRoot.querySelector('h1');
    if (h1 && !this.headingShown) {
      this.headingShown = true;
      focusIfLost(h1);
    }
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this.ctrl?.abort();
  }

  async load() {
    this.ctrl?.abort();
    this.trace = null;
    this.error = null;
    if (!this.eventId) return;
    this.ctrl = new AbortController();
    try {
      this.trace = await api(envPath(this.appId, `/canonical/${encodeURIComponent(this.eventId)}/trace`), {signal: this.ctrl.signal});
    } catch (e) {
      if (!isAbort(e)) this.error = e;
    }
  }

  go(sub) {
    this.dispatchEvent(new CustomEvent('navigate', {detail: sub, bubbles: true, composed: true}));
  }

  /** One row per step of the validation path: the user id, order id and event id as that step held them. */
  idRows(t) {
    const c = t.canonical;
    const rows = [];
    const o = t.origin;
    if (o?.type === 'promotion') {
      const raw = o.raw_event;
      rows.push({step: `Raw ${raw?.kind || 'event'} (mapping ${o.mapping_id} v${o.mapping_version ?? '?'})`, user: raw?.user_id ?? raw?.anonymous_id, order: null,
        event: raw?.event_id, note: 'the canonical id derives from it'});
    } else if (o) {
      rows.push({step: `Capture (${o.source || 'no source'})`, user: c.user_id, order: c.order_id, event: c.event_id});
    }
    if (c) {
      rows.push({step: 'Canonical event', user: c.user_id, order: c.order_id, event: c.event_id});
      rows.push({step: `Registry: ${t.registry.passed ? 'passed' : 'violations'}`, user: c.user_id, order: c.order_id, event: c.event_id});
    }
    for (const d of t.destinations) {
      const s = d.sent || {};
      rows.push({step: `${d.destination} (${KIND_LABEL[d.kind] || d.kind})`, user: s.user_id, userField: s.user_id_field, matches: s.user_id_matches,
        order: s.order_id, event: s.event_id, note: s.not_sent || s.event_id_note});
    }
    return rows;
  }

  render() {
    const t = this.trace;
    return html`<div class="top"><a href=${`/e/${encodeURIComponent(this.appId)}/destinations`} @click=${e => { e.preventDefault(); this.go(''); }}>← All destinations</a></div>
      <h1 tabindex="-1">Trace${this.eventId ? html` <span class="mono">${this.eventId}</span>` : ''}</h1>
      <form class="search" role="search" @submit=${e => { e.preventDefault(); const v = e.target.elements.event.value.trim(); if (v) this.go(`trace/${encodeURIComponent(v)}`); }}>
        <label>Canonical event id<input name="event" .value=${this.eventId || ''} autocomplete="off" spellcheck="false"></label><button>Trace</button></form>
      ${!this.eventId ? html`<hs-state kind="empty" message="Enter a canonical event's event_id to follow it from its origin to every destination."></hs-state>`
        : this.error ? html`<hs-state kind="error" .message=${this.error.message} @retry=${() => this.load()}></hs-state>`
        : !t ? html`<hs-state kind="loading" message="Tracing…"></hs-state>`
        : this.renderTrace(t)}`;
  }

  renderTrace(t) {
    const c = t.canonical;
    const o = t.origin;
    return html`<h2>The same ids at every step</h2>
      <table id="ids"><thead><tr><th scope="col">Step</th><th scope="col">User id</th><th scope="col">Order id</th><th scope="col">Event id</th></tr></thead>
        <tbody>${this.idRows(t).map(r => html`<tr><th scope="row">${r.step}</th>
          <td class="id user">${r.user ?? '–'}${r.userField && r.userField !== 'user_id' && r.userField !== 'data.user_id' ? html`<div class="note">${r.userField}${r.matches === true ? ' ✓ matches the user id' : r.matches === false ? ' ✗ differs from the user id' : ''}</div>` : ''}</td>
          <td class="id order">${r.order ?? '–'}</td>
          <td class="id event">${r.event ?? '–'}${r.note ? html`<div class="note">${r.note}</div>` : ''}</td></tr>`)}</tbody></table>
      <h2>Validation path</h2>
      <div class="steps">
        ${o ? html`<div class="step" id="origin"><h3>1. Origin: ${o.type === 'promotion' ? 'promoted from a raw event' : 'captured'}</h3><dl>
          ${o.type === 'promotion' ? html`<dt>Mapping</dt><dd>${o.mapping_id}, version ${o.mapping_version ?? '?'}</dd>
            ${o.definition_name ? html`<dt>Definition</dt><dd>${o.definition_name}</dd>` : ''}
            ${o.raw_event ? html`<dt>Raw event</dt><dd>${o.raw_event.kind}${o.raw_event.name ? ` ${o.raw_event.name}` : ''}</dd><dt>Time</dt><dd>${when(o.raw_event.time)}</dd>
              ${o.raw_event.url ? html`<dt>URL</dt><dd>${o.raw_event.url}</dd>` : ''}${o.raw_event.text ? html`<dt>Text</dt><dd>${o.raw_event.text}</dd>` : ''}`
              : html`<dt>Raw event</dt><dd>no longer kept</dd>`}`
          : html`<dt>Through</dt><dd>${o.endpoint}</dd><dt>Source</dt><dd>${o.source || '–'}</dd>`}</dl></div>` : ''}
        ${c ? html`<div class="step" id="canonical"><h3>2. Canonical event</h3><dl>
          <dt>Event</dt><dd>${c.event}</dd><dt>Value</dt><dd>${c.value ?? '–'} ${c.currency || ''}</dd>
          <dt>Time</dt><dd>${c.timestamp ? when(c.timestamp) : 'not given: the received time'}</dd><dt>Received</dt><dd>${when(c.received_at)}</dd></dl></div>
        <div class="step" id="registry"><h3>3. Registry</h3>${t.registry.passed ? html`<span class="badge ok">passed</span>`
          : html`<span class="badge bad">not deliverable</span><ul>${(t.registry.violations || []).map(v => html`<li><strong>${v.type}</strong>${v.property ? ` ${v.property}` : ''}: ${v.message}</li>`)}</ul>`}</div>` : ''}
        ${t.destinations.map((d, i) => html`<div class="step destination" data-kind=${d.kind}><h3>${4 + i}. ${d.destination} <span class="badge">${KIND_LABEL[d.kind] || d.kind}</span></h3><dl>
          <dt>State</dt><dd><span class="badge ${d.state}">${d.state === 'dead' ? 'dead-lettered' : d.state}</span></dd>
          <dt>Attempts</dt><dd>${d.attempts}</dd>
          ${d.sent?.event_name ? html`<dt>Sent as</dt><dd>${d.sent.event_name}</dd>` : ''}
          ${d.last_status != null ? html`<dt>Answer</dt><dd><span class="mono">${d.last_status}</span> ${d.last_answer || ''}</dd>` : ''}
          ${d.reason ? html`<dt>Reason</dt><dd>${d.reason}</dd>` : ''}</dl>
          ${d.attempts_log.length ? html`<details><summary>Attempts</summary><ul>${d.attempts_log.map(a => html`<li>${a.attempt}. ${when(a.at)}: ${a.outcome}${a.status != null ? ` ${a.status}` : ''}${a.took_ms != null ? `, ${a.took_ms} ms` : ''}${a.reason ? `, ${a.reason}` : ''}</li>`)}</ul></details>` : ''}</div>`)}
      </div>
      ${!t.destinations.length ? html`<p class="note">No destination received this event${t.registry && !t.registry.passed ? ': it did not pass the registry' : ''}.</p>` : ''}`;
  }
}
customElements.define('hs-trace', HsTrace);

// The Registry screen (reference 004, "Virtual events and schema control"): the canonical events and their schemas,
// the source mappings to them, the definition mappings that promote Hindsight definitions, and the violations kept
// at capture, each with its versions (who, when, what changed). Analysts read and propose drafts; architects and
// admins change schemas, approve, deprecate and reprocess.
// /e/<app>/registry[/schemas[/<event>|/new]], /registry/mappings[/<id>|/new],
// /registry/definition-mappings[/<id>|/new], /registry/violations.
import {LitElement, html, css, nothing} from 'lit';
import {api, ApiError, isAbort, me} from './api.js';
import {base, focusIfLost, formatNumber, SubRoutes} from './ui.js';
import {canChange, historyTable, problemText, registryStyles, when} from './registry-common.js';
import './registry-promotion.js';
import './violations.js';

const TABS = [['schemas', 'Canonical events'], ['mappings', 'Source mappings'], ['definition-mappings', 'Definition mappings'],
  ['violations', 'Violations']];
const TYPES = ['string', 'number', 'boolean'];

/** The tab and the item a registry path names: /e/<app>/registry/<tab>/<item>. */
export function registryPlace(path) {
  const m = /^\/e\/[^/]+\/registry(?:\/([^/]+))?(?:\/([^/]+))?/.exec(path || '');
  const tab = m?.[1] ? decodeURIComponent(m[1]) : 'schemas';
  return {tab: TABS.some(([k]) => k === tab) ? tab : 'schemas', item: m?.[2] ? decodeURIComponent(m[2]) : ''};
}

export class HsRegistry extends LitElement {
  static properties = {appId: {attribute: 'app-id'}, path: {}};
  static styles = [base, registryStyles, css`
    [role=tablist] { display: flex; gap: 4px; border-bottom: 1px solid var(--line); margin-bottom: 16px; flex-wrap: wrap; }
    [role=tab] { border: 0; border-bottom: 2px solid transparent; border-radius: 0; background: none; padding: 8px 12px; color: var(--muted); }
    [role=tab][aria-selected=true] { border-bottom-color: var(--accent); color: var(--fg); font-weight: 600; }
  `];

  constructor() {
    super();
    this.routes = new SubRoutes(this, 'registry');
  }

  get place() {
    return registryPlace(this.path);
  }

  /** Goes to a tab, or an item of a tab ('new' for a new one). */
  go(tab, item = '') {
    this.routes.open(item ? `${tab}/${encodeURIComponent(item)}` : tab);
  }

  onTabKey(e) {
    const i = TABS.findIndex(([k]) => k === this.place.tab);
    const next = e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : null;
    if (next == null) return;
    const t = TABS[(next + TABS.length) % TABS.length][0];
    this.go(t);
    this.updateComplete.then(() => this.renderRoot.querySelector(`#tab-${t}`)?.focus());
  }

  render() {
    const {tab, item} = this.place;
    const go = (t, i) => this.go(t, i);
    let panel;
    if (tab === 'mappings') {
      panel = item ? html`<hs-source-mapping app-id=${this.appId} .mappingId=${item === 'new' ? null : Number(item)} .go=${go}></hs-source-mapping>`
        : html`<hs-source-mappings app-id=${this.appId} .go=${go}></hs-source-mappings>`;
    } else if (tab === 'definition-mappings') {
      panel = item ? html`<hs-definition-mapping app-id=${this.appId} .mappingId=${item === 'new' ? null : Number(item)} .go=${go}></hs-definition-mapping>`
        : html`<hs-definition-mappings app-id=${this.appId} .go=${go}></hs-definition-mappings>`;
    } else if (tab === 'violations') {
      panel = html`<hs-violations app-id=${this.appId} .go=${go}></hs-violations>`;
    } else {
      panel = item ? html`<hs-schema app-id=${this.appId} .event=${item === 'new' ? null : item} .go=${go}></hs-schema>`
        : html`<hs-schemas app-id=${this.appId} .go=${go}></hs-schemas>`;
    }
    const app = encodeURIComponent(this.appId);
    return html`<div class="top"><h1 tabindex="-1">Registry</h1></div>
      <div role="tablist" aria-label="Registry" @keydown=${this.onTabKey}>
        ${TABS.map(([k, l]) => html`<button role="tab" id=${`tab-${k}`} aria-selected=${tab === k} aria-controls="panel"
          tabindex=${tab === k ? 0 : -1} data-href=${`/e/${app}/registry/${k}`} @click=${() => this.go(k)}>${l}</button>`)}
      </div>
      <div id="panel" role="tabpanel" aria-labelledby=${`tab-${tab}`}>${panel}</div>`;
  }
}
customElements.define('hs-registry', HsRegistry);

// ---- Canonical events and their schemas ----

/** How a schema's properties add up: how many, required, PII. */
function propertySummary(props) {
  const list = Object.values(props || {});
  const req = list.filter(p => p.required).length;
  const pii = list.filter(p => p.pii).length;
  return `${list.length} ${list.length === 1 ? 'property' : 'properties'}${req ? `, ${req} required` : ''}${pii ? `, ${pii} PII` : ''}`;
}

export class HsSchemas extends LitElement {
  static properties = {appId: {attribute: 'app-id'}, go: {attribute: false}, schemas: {state: true}, sources: {state: true},
    error: {state: true}, open: {state: true}};
  static styles = [base, registryStyles];

  connectedCallback() {
    super.connectedCallback();
    this.load();
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this.ctrl?.abort();
  }

  async load() {
    this.ctrl?.abort();
    this.ctrl = new AbortController();
    const signal = this.ctrl.signal;
    const r = `/api/environments/${encodeURIComponent(this.appId)}/registry`;
    this.error = null;
    try {
      const [schemas, mappings, promoted] = await Promise.all([api(`${r}/schemas`, {signal}), api(`${r}/mappings`, {signal}),
        api(`${r}/definition-mappings`, {signal})]);
      const sources = {};
      for (const m of [...mappings.mappings, ...promoted.mappings]) {
        const s = sources[m.canonical_event] ||= {approved: 0, draft: 0, deprecated: 0};
        s[m.status] = (s[m.status] || 0) + 1;
      }
      this.sources = sources;
      this.schemas = schemas.schemas.map(s => ({...s}));
      // Each event's kept violations, one question at a time: the list shows first and fills in.
      // The first 100 only: past those the column says nothing rather than asking once per row.
      this.schemas.slice(100).forEach(s => { s.violations = null; });
      for (const s of this.schemas.slice(0, 100)) {
        try {
          const v = await api(`${r}/violations?event=${encodeURIComponent(s.event)}&limit=1`, {signal});
          s.violations = Object.values(v.counts || {}).reduce((a, b) => a + b, 0);
        } catch (e) {
          if (isAbort(e)) return;
          s.violations = null;
        }
        this.schemas = [...this.schemas];
      }
    } catch (e) {
      if (!isAbort(e)) this.error = e;
    }
  }

  render() {
    const app = encodeURIComponent(this.appId);
    const link = (item, text, label) => html`<a href=${`/e/${app}/registry/schemas/${encodeURIComponent(item)}`} aria-label=${label || text}
      @click=${e => { e.preventDefault(); this.go('schemas', item); }}>${text}</a>`;
    const head = html`<div class="top"><h2>Canonical events</h2><span class="spacer"></span>
      ${canChange() ? html`<a class="new" href=${`/e/${app}/registry/schemas/new`} @click=${e => { e.preventDefault(); this.go('schemas', 'new'); }}>New canonical event</a>` : ''}</div>
      <p class="note">The contract downstream systems trust: each canonical event's properties with their types, which are required, the values allowed,
        and which are PII that must arrive hashed. Captures are checked against it; what fails is kept under Violations and not delivered.</p>`;
    if (this.error) return html`${head}<hs-state kind="error" .message=${this.error.message} @retry=${() => this.load()}></hs-state>`;
    if (!this.schemas) return html`${head}<hs-state kind="loading" message="Loading the schemas…"></hs-state>`;
    if (!this.schemas.length) {
      return html`${head}<hs-state kind="empty" message=${canChange() ? 'No canonical events yet. Add the first business milestone, such as purchase or sign_up.'
        : 'No canonical events yet; architects and admins add them.'}"></hs-state>`;
    }
    return html`${head}<table id="schemas"><thead><tr><th scope="col">Event</th><th scope="col">Properties</th><th scope="col">Sources</th>
        <th scope="col">Status</th><th scope="col" class="num">Version</th><th scope="col">Last change</th></tr></thead>
      <tbody>${this.schemas.map(s => {
        const src = this.sources?.[s.event];
        return html`<tr data-event=${s.event}>
          <th scope="row">${link(s.event, s.event)}${s.description ? html`<small class="muted" style="display:block;font-weight:400">${s.description}</small>` : ''}</th>
          <td>${propertySummary(s.properties)}</td>
          <td>${src ? [src.approved ? `${src.approved} approved` : '', src.draft ? `${src.draft} draft` : '', src.deprecated ? `${src.deprecated} deprecated` : '']
            .filter(Boolean).join(', ') : html`<span class="muted">captured directly</span>`}</td>
          <td class="status">${s.violations === undefined ? html`<span class="muted">…</span>` : s.violations === null ? html`<span class="muted">–</span>`
            : s.violations ? html`<a href=${`/e/${app}/registry/violations`} @click=${e => { e.preventDefault(); this.go('violations'); }}><span class="badge violating">${formatNumber(s.violations)} violating</span></a>`
            : html`<span class="badge clean">no violations</span>`}</td>
          <td class="num">${s.version}</td><td class="when">${when(s.updated_at)}<small class="muted" style="display:block">${s.updated_by || ''}</small></td></tr>`;
      })}</tbody></table>`;
  }
}
customElements.define('hs-schemas', HsSchemas);

/** A schema property as the editor holds it. */
function editableProperty(name, p = {type: 'string'}) {
  return {name, type: p.type || 'string', required: !!p.required, pii: !!p.pii, allowed: (p.allowed_values || []).join(', ')};
}

/** The allowed values typed in (comma-separated) as the API takes them for a type; text the type cannot read stays text (the API names it). */
export function allowedValues(text, type) {
  const parts = text.split(',').map(s => s.trim()).filter(Boolean);
  if (type === 'number') return parts.map(s => (s !== '' && Number.isFinite(Number(s)) ? Number(s) : s));
  if (type === 'boolean') return parts.map(s => (s === 'true' ? true : s === 'false' ? false : s));
  return parts;
}

/** The API's schema body of the editor's. */
export function schemaBody(s) {
  const properties = {};
  for (const p of s.properties) {
    if (!p.name.trim()) continue;
    const out = {type: p.type};
    if (p.required) out.required = true;
    if (p.pii && p.type === 'string') out.pii = true;
    const allowed = allowedValues(p.allowed, p.type);
    if (allowed.length) out.allowed_values = allowed;
    properties[p.name.trim()] = out;
  }
  const body = {event: s.event.trim(), properties};
  if (s.description.trim()) body.description = s.description.trim();
  return body;
}

export class HsSchema extends LitElement {
  static properties = {appId: {attribute: 'app-id'}, event: {attribute: false}, go: {attribute: false}, schema: {state: true},
    form: {state: true}, versions: {state: true}, message: {state: true}, problem: {state: true}, saving: {state: true}, loadError: {state: true}};
  static styles = [base, registryStyles];

  connectedCallback() {
    super.connectedCallback();
    this.reset();
  }

  willUpdate(changed) {
    // Created (or another schema opened): the same element now shows that schema, loaded afresh.
    if (changed.has('event') && this.hasUpdated) {
      this.reset();
    }
  }

  updated() {
    const h = this.renderRoot.querySelector('h2');
    if (h && !this.focused) {
      this.focused = true;
      focusIfLost(h);
    }
  }

  reset() {
    this.schema = null;
    this.versions = null;
    this.problem = null;
    this.focused = false;
    if (this.event) {
      this.form = null;
      this.load();
    } else {
      this.form = {event: '', description: '', properties: [editableProperty('')]};
    }
  }

  get base() {
    return `/api/environments/${encodeURIComponent(this.appId)}/registry/schemas`;
  }

  async load() {
    try {
      const s = await api(`${this.base}/${encodeURIComponent(this.event)}`);
      this.schema = s;
      this.form = {event: s.event, description: s.description || '',
        properties: Object.entries(s.properties || {}).map(([n, p]) => editableProperty(n, p))};
      this.versions = (await api(`${this.base}/${encodeURIComponent(this.event)}/versions`)).versions;
    } catch (e) {
      this.loadError = e;
    }
  }

  setProp(i, patch) {
    this.form = {...this.form, properties: this.form.properties.map((p, j) => (j === i ? {...p, ...patch} : p))};
  }

  async save() {
    this.saving = true;
    this.problem = null;
    this.message = '';
    const body = schemaBody(this.form);
    try {
      const saved = this.event
        ? await api(`${this.base}/${encodeURIComponent(this.event)}`, {method: 'PUT', body: {description: body.description, properties: body.properties}})
        : await api(this.base, {method: 'POST', body});
      if (!this.event) {
        this.go('schemas', saved.event);
        return;
      }
      this.message = `Saved as version ${saved.version}.`;
      await this.load();
    } catch (e) {
      this.problem = e;
    } finally {
      this.saving = false;
    }
  }

  async deleteItem() {
    if (!confirm(`Delete the schema of “${this.event}”? Its captures become unplanned events.`)) return;
    try {
      await api(`${this.base}/${encodeURIComponent(this.event)}`, {method: 'DELETE'});
      this.go('schemas');
    } catch (e) {
      this.problem = e;
    }
  }

  render() {
    if (this.loadError) return html`<hs-state kind="error" .message=${this.loadError.message} @retry=${() => { this.loadError = null; this.load(); }}></hs-state>`;
    if (!this.form) return html`<hs-state kind="loading" message="Loading the schema…"></hs-state>`;
    const ro = !canChange();
    const f = this.form;
    const app = encodeURIComponent(this.appId);
    return html`<div class="top"><a href=${`/e/${app}/registry/schemas`} @click=${e => { e.preventDefault(); this.go('schemas'); }}>← Canonical events</a>
        <h2 tabindex="-1">${this.event ? html`Canonical event <code>${this.event}</code>` : 'New canonical event'}</h2>
        ${this.schema ? html`<span class="badge">version ${this.schema.version}</span>` : ''}</div>
      ${ro ? html`<p class="readonly" id="readonly">Read-only: your role is ${me()?.role || 'unknown'}; architects and admins change schemas.</p>` : ''}
      <form class="card" @submit=${e => { e.preventDefault(); if (!ro) this.save(); }}>
        <fieldset ?disabled=${ro}>
          <div class="row">
            <label>Event name <input name="event" required pattern="[a-z][a-z0-9_]{0,63}" placeholder="purchase" .value=${f.event}
              ?disabled=${!!this.event} @input=${e => { this.form = {...f, event: e.target.value}; }}></label>
            <label style="flex:1">Description <input name="description" .value=${f.description} @input=${e => { this.form = {...f, description: e.target.value}; }}></label>
          </div>
          <table class="props" id="properties"><caption class="note" style="text-align:left">Properties. PII applies to strings: they must arrive as the SHA-256 of the normalised value (such as <code>email_sha256</code>).</caption>
            <thead><tr><th scope="col">Property</th><th scope="col">Type</th><th scope="col">Required</th><th scope="col">Allowed values (comma-separated, empty: any)</th>
              <th scope="col">PII, hashed</th><th scope="col"><span class="muted">Remove</span></th></tr></thead>
            <tbody>${f.properties.map((p, i) => html`<tr>
              <td><input type="text" aria-label=${`Property ${i + 1} name`} .value=${p.name} @input=${e => this.setProp(i, {name: e.target.value})}></td>
              <td><select aria-label=${`Property ${i + 1} type`} .value=${p.type} @change=${e => this.setProp(i, {type: e.target.value})}>
                ${TYPES.map(t => html`<option value=${t} ?selected=${p.type === t}>${t}</option>`)}</select></td>
              <td><input type="checkbox" aria-label=${`Property ${i + 1} required`} .checked=${p.required} @change=${e => this.setProp(i, {required: e.target.checked})}></td>
              <td><input type="text" aria-label=${`Property ${i + 1} allowed values`} .value=${p.allowed} @input=${e => this.setProp(i, {allowed: e.target.value})}></td>
              <td><input type="checkbox" aria-label=${`Property ${i + 1} PII`} .checked=${p.pii} ?disabled=${p.type !== 'string'}
                @change=${e => this.setProp(i, {pii: e.target.checked})}></td>
              <td><button type="button" aria-label=${`Remove property ${i + 1}`} @click=${() => { this.form = {...f, properties: f.properties.filter((_, j) => j !== i)}; }}>Remove</button></td>
            </tr>`)}</tbody></table>
          ${ro ? '' : html`<div><button type="button" id="add-property" @click=${() => { this.form = {...f, properties: [...f.properties, editableProperty('')]}; }}>Add a property</button></div>`}
        </fieldset>
        ${this.problem ? html`<div role="alert" class="err">${this.problem.message}${this.problem instanceof ApiError && this.problem.fieldErrors.length
          ? html`<ul class="errs">${this.problem.fieldErrors.map(x => html`<li>${x}</li>`)}</ul>` : ''}</div>` : ''}
        ${ro ? '' : html`<div class="actions"><button class="primary" type="submit" ?disabled=${this.saving}>${this.event ? 'Save a new version' : 'Create'}</button>
          ${this.event ? html`<button type="button" @click=${this.deleteItem}>Delete</button>` : ''}
          <span role="status" class="muted" id="saved">${this.message || ''}</span></div>`}
      </form>
      ${this.event ? html`<section class="card" aria-labelledby="history-h"><h2 id="history-h">Version history</h2>${historyTable(this.versions, 'versions')}</section>` : ''}`;
  }
}
customElements.define('hs-schema', HsSchema);

// ---- Source mappings ----

const NOT_ALLOWED = 'Only architects and admins approve or deprecate mappings';

export class HsSourceMappings extends LitElement {
  static properties = {appId: {attribute: 'app-id'}, go: {attribute: false}, mappings: {state: true}, error: {state: true},
    message: {state: true}};
  static styles = [base, registryStyles];

  connectedCallback() {
    super.connectedCallback();
    this.load();
  }

  get base() {
    return `/api/environments/${encodeURIComponent(this.appId)}/registry/mappings`;
  }

  async load() {
    this.error = null;
    try {
      this.mappings = (await api(this.base)).mappings;
    } catch (e) {
      this.error = e;
    }
  }

  async approve(m) {
    this.message = '';
    try {
      const a = await api(`${this.base}/${m.id}/approve`, {method: 'POST'});
      this.message = `Mapping ${m.source} / ${m.source_event} → ${m.canonical_event} approved (version ${a.version}).`;
      await this.load();
    } catch (e) {
      this.message = problemText(e);
    }
  }

  render() {
    const app = encodeURIComponent(this.appId);
    const architect = canChange();
    const head = html`<div class="top"><h2>Source mappings</h2><span class="spacer"></span>
      <a class="new" href=${`/e/${app}/registry/mappings/new`} @click=${e => { e.preventDefault(); this.go('mappings', 'new'); }}>New mapping</a></div>
      <p class="note">Which events of which source become which canonical event, and the properties they must then carry. Only an approved mapping applies.
        ${architect ? '' : html`<span id="approve-why">${NOT_ALLOWED}; your role is ${me()?.role || 'unknown'}, so you propose drafts.</span>`}</p>`;
    if (this.error) return html`${head}<hs-state kind="error" .message=${this.error.message} @retry=${() => this.load()}></hs-state>`;
    if (!this.mappings) return html`${head}<hs-state kind="loading" message="Loading the mappings…"></hs-state>`;
    if (!this.mappings.length) return html`${head}<hs-state kind="empty" message="No source mappings yet. Map a source's event (such as heap / Order Completed) to a canonical event."></hs-state>`;
    return html`${head}<p role="status" class="muted">${this.message || ''}</p>
      <table id="mappings"><thead><tr><th scope="col">Source event</th><th scope="col">Canonical event</th><th scope="col">Required properties</th>
        <th scope="col">Status</th><th scope="col" class="num">Version</th><th scope="col">Last change</th><th scope="col"><span class="muted">Action</span></th></tr></thead>
      <tbody>${this.mappings.map(m => html`<tr data-id=${m.id}>
        <th scope="row"><a href=${`/e/${app}/registry/mappings/${m.id}`} @click=${e => { e.preventDefault(); this.go('mappings', String(m.id)); }}>
          <span class="muted">${m.source} /</span> ${m.source_event}</a></th>
        <td><code>${m.canonical_event}</code></td>
        <td>${(m.required_properties || []).length ? m.required_properties.map(p => html`<code>${p}</code> `) : html`<span class="muted">none</span>`}</td>
        <td><span class="badge ${m.status}">${m.status}</span></td><td class="num">${m.version}</td>
        <td class="when">${when(m.updated_at)}<small class="muted" style="display:block">${m.updated_by || ''}</small></td>
        <td>${m.status === 'approved' ? '' : html`<button aria-label=${`Approve mapping ${m.source} / ${m.source_event}`} ?disabled=${!architect}
          aria-describedby=${architect ? nothing : 'approve-why'} title=${architect ? nothing : NOT_ALLOWED} @click=${() => this.approve(m)}>Approve</button>`}</td>
      </tr>`)}</tbody></table>`;
  }
}
customElements.define('hs-source-mappings', HsSourceMappings);

export class HsSourceMapping extends LitElement {
  static properties = {appId: {attribute: 'app-id'}, mappingId: {attribute: false}, go: {attribute: false}, mapping: {state: true},
    form: {state: true}, versions: {state: true}, events: {state: true}, problem: {state: true}, message: {state: true},
    saving: {state: true}, loadError: {state: true}};
  static styles = [base, registryStyles];

  connectedCallback() {
    super.connectedCallback();
    this.events = [];
    api(`/api/environments/${encodeURIComponent(this.appId)}/registry/schemas`).then(s => { this.events = s.schemas.map(x => x.event); }, () => {});
    this.reset();
  }

  willUpdate(changed) {
    // Proposed (or another mapping opened): the same element now shows that mapping, loaded afresh.
    if (changed.has('mappingId') && this.hasUpdated) this.reset();
  }

  reset() {
    this.mapping = null;
    this.versions = null;
    this.problem = null;
    this.focused = false;
    if (this.mappingId != null) {
      this.form = null;
      this.load();
    } else {
      this.form = {source: '', source_event: '', canonical_event: '', required: ''};
    }
  }

  updated() {
    const h = this.renderRoot.querySelector('h2');
    if (h && !this.focused) {
      this.focused = true;
      focusIfLost(h);
    }
  }

  get base() {
    return `/api/environments/${encodeURIComponent(this.appId)}/registry/mappings`;
  }

  async load() {
    try {
      const m = await api(`${this.base}/${this.mappingId}`);
      this.mapping = m;
      this.form = {source: m.source, source_event: m.source_event, canonical_event: m.canonical_event, required: (m.required_properties || []).join(', ')};
      this.versions = (await api(`${this.base}/${this.mappingId}/versions`)).versions;
    } catch (e) {
      this.loadError = e;
    }
  }

  body(status) {
    const f = this.form;
    const b = {source: f.source.trim(), source_event: f.source_event.trim(), canonical_event: f.canonical_event.trim(),
      required_properties: f.required.split(',').map(s => s.trim()).filter(Boolean)};
    if (status) b.status = status;
    return b;
  }

  async act(work, done) {
    this.saving = true;
    this.problem = null;
    this.message = '';
    try {
      const r = await work();
      if (this.mappingId == null) {
        this.go('mappings', String(r.id));
        return;
      }
      this.message = done(r);
      await this.load();
    } catch (e) {
      this.problem = e;
    } finally {
      this.saving = false;
    }
  }

  async deleteItem() {
    if (!confirm('Delete this mapping? Its history stays.')) return;
    try {
      await api(`${this.base}/${this.mappingId}`, {method: 'DELETE'});
      this.go('mappings');
    } catch (e) {
      this.problem = e;
    }
  }

  render() {
    if (this.loadError) return html`<hs-state kind="error" .message=${this.loadError.message} @retry=${() => { this.loadError = null; this.load(); }}></hs-state>`;
    if (!this.form) return html`<hs-state kind="loading" message="Loading the mapping…"></hs-state>`;
    const m = this.mapping;
    const architect = canChange();
    // Analysts propose and change drafts; an approved or deprecated mapping is the architects' (README, "Schema registry").
    const ro = !architect && m && m.status !== 'draft';
    const f = this.form;
    const app = encodeURIComponent(this.appId);
    const set = patch => { this.form = {...f, ...patch}; };
    return html`<div class="top"><a href=${`/e/${app}/registry/mappings`} @click=${e => { e.preventDefault(); this.go('mappings'); }}>← Source mappings</a>
        <h2 tabindex="-1">${m ? `Mapping ${m.source} / ${m.source_event}` : 'New source mapping'}</h2>
        ${m ? html`<span class="badge ${m.status}" id="status">${m.status}</span><span class="badge">version ${m.version}</span>` : ''}</div>
      ${ro ? html`<p class="readonly" id="readonly">Read-only: this mapping is ${m.status}, and your role is ${me()?.role}; only architects and admins change it.</p>`
        : !architect ? html`<p class="readonly" id="readonly">You propose drafts: ${NOT_ALLOWED.toLowerCase()} (your role is ${me()?.role || 'unknown'}).</p>` : ''}
      <form class="card" @submit=${e => { e.preventDefault(); if (!ro) this.act(() => api(m ? `${this.base}/${m.id}` : this.base, {method: m ? 'PUT' : 'POST', body: this.body()}), r => `Saved as version ${r.version}.`); }}>
        <fieldset ?disabled=${ro}>
          <div class="row">
            <label>Source <input name="source" required placeholder="heap" .value=${f.source} @input=${e => set({source: e.target.value})}></label>
            <label style="flex:1">Source event <input name="source_event" required placeholder="Order Completed" .value=${f.source_event} @input=${e => set({source_event: e.target.value})}></label>
            <label>Canonical event <input name="canonical_event" required list="canonical-events" placeholder="purchase" .value=${f.canonical_event}
              @input=${e => set({canonical_event: e.target.value})}></label>
            <datalist id="canonical-events">${this.events.map(e => html`<option value=${e}></option>`)}</datalist>
          </div>
          <label>Required properties (comma-separated) <input name="required_properties" placeholder="order_id, value" .value=${f.required}
            @input=${e => set({required: e.target.value})}></label>
        </fieldset>
        ${this.problem ? html`<div role="alert" class="err">${problemText(this.problem)}</div>` : ''}
        <div class="actions">
          ${ro ? '' : html`<button class="primary" type="submit" ?disabled=${this.saving}>${m ? 'Save a new version' : 'Propose as draft'}</button>`}
          ${m && m.status !== 'approved' ? html`<button type="button" id="approve" ?disabled=${!architect || this.saving} aria-describedby=${architect ? nothing : 'readonly'}
            @click=${() => this.act(() => api(`${this.base}/${m.id}/approve`, {method: 'POST'}), r => `Approved (version ${r.version}).`)}>Approve</button>` : ''}
          ${m && m.status !== 'deprecated' ? html`<button type="button" id="deprecate" ?disabled=${!architect || this.saving} aria-describedby=${architect ? nothing : 'readonly'}
            @click=${() => this.act(() => api(`${this.base}/${m.id}`, {method: 'PUT', body: this.body('deprecated')}), r => `Deprecated (version ${r.version}).`)}>Deprecate</button>` : ''}
          ${m && architect ? html`<button type="button" @click=${this.deleteItem}>Delete</button>` : ''}
          <span role="status" class="muted" id="saved">${this.message || ''}</span>
        </div>
      </form>
      ${m ? html`<section class="card" aria-labelledby="history-h"><h2 id="history-h">Version history</h2>${historyTable(this.versions, 'versions')}</section>` : ''}`;
  }
}
customElements.define('hs-source-mapping', HsSourceMapping);

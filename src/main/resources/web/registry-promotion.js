// The Registry's definition mappings (README, "Definition mappings"): a Hindsight definition (a virtual event)
// promoted to a canonical event, each canonical property taken from the event, its session and device, the user or a
// constant. Approval pins the definition's rules; a later edit of the definition changes nothing downstream and is
// flagged here until a new version is approved. Also what a mapping produced, running the promoter, and a backfill.
import {LitElement, html, nothing} from 'lit';
import {api, isAbort, me} from './api.js';
import {base, focusIfLost, formatNumber} from './ui.js';
import {canChange, historyTable, problemText, registryStyles, when} from './registry-common.js';

/** Built-ins of the raw event itself, and of its session and device (README, "Property sources"). */
export const EVENT_BUILT_INS = ['$path', '$url', '$title', '$referrer', '$text', '$href', '$hash', '$query', '$kind', '$name'];
export const SESSION_BUILT_INS = ['$session_id', '$device_id', '$identity', '$browser', '$os', '$device_type'];
const SOURCES = [['event', 'Event property'], ['session', 'Session or device'], ['user', 'User property'], ['value', 'Constant']];
const USER = '$user.';
/** A backfill's window: the last hours up to now (at most 72, the server's limit), or custom dates ('' ). */
const BACKFILL_WINDOWS = [['1', 'Last hour'], ['24', 'Last 24 hours'], ['72', 'Last 72 hours'], ['', 'Custom…']];

/** A property source of the API ({from} or {value}) as the editor's row. */
export function sourceRow(name, s) {
  if (s && 'value' in s) return {name, kind: 'value', from: '', value: String(s.value)};
  const from = s?.from || '';
  if (from.startsWith(USER)) return {name, kind: 'user', from: from.slice(USER.length), value: ''};
  if (SESSION_BUILT_INS.includes(from)) return {name, kind: 'session', from, value: ''};
  return {name, kind: 'event', from, value: ''};
}

/** The API's property source of an editor row; a constant that reads as a number or a boolean is sent as one. */
export function sourceOf(row) {
  if (row.kind === 'value') {
    const v = row.value.trim();
    if (v === 'true' || v === 'false') return {value: v === 'true'};
    if (/^-?\d+(\.\d+)?$/.test(v)) return {value: Number(v)};
    return {value: row.value};
  }
  if (row.kind === 'user') return {from: USER + row.from.trim()};
  return {from: row.from.trim()};
}

/** A datetime-local input's value for a moment (the browser's time zone, to the minute). */
function localInput(d) {
  const p = n => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** The API's note on a changed definition, without the words the flag's own title says already. */
function flagNote(note) {
  const rest = (note || '').replace(/^Definition changed since approval: /, '');
  return rest.charAt(0).toUpperCase() + rest.slice(1) + (rest.endsWith('.') ? '' : '.');
}

function mappingsBase(appId) {
  return `/api/environments/${encodeURIComponent(appId)}/registry/definition-mappings`;
}

export class HsDefinitionMappings extends LitElement {
  static properties = {appId: {attribute: 'app-id'}, go: {attribute: false}, mappings: {state: true}, names: {state: true}, error: {state: true}};
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
    this.error = null;
    try {
      const [list, defs] = await Promise.all([api(mappingsBase(this.appId), {signal}),
        api(`/api/definitions?app_id=${encodeURIComponent(this.appId)}`, {signal})]);
      this.names = new Map(defs.definitions.map(d => [d.id, d.name]));
      this.mappings = list.mappings.map(m => ({...m}));
      // The first 100 only: past those the column says nothing rather than asking once per row.
      this.mappings.slice(100).forEach(m => { m.produced = null; });
      for (const m of this.mappings.slice(0, 100)) {
        try {
          m.produced = (await api(`${mappingsBase(this.appId)}/${m.id}/produced`, {signal})).count;
        } catch (e) {
          if (isAbort(e)) return;
          m.produced = null;
        }
        this.mappings = [...this.mappings];
      }
    } catch (e) {
      if (!isAbort(e)) this.error = e;
    }
  }

  render() {
    const app = encodeURIComponent(this.appId);
    const head = html`<div class="top"><h2>Definition mappings</h2><span class="spacer"></span>
      <a class="new" href=${`/e/${app}/registry/definition-mappings/new`} @click=${e => { e.preventDefault(); this.go('definition-mappings', 'new'); }}>New definition mapping</a></div>
      <p class="note">A definition (a virtual event, such as a click on the Buy button) becomes a canonical event once its mapping is approved, by the rules the approval pinned.
        Editing the definition afterwards changes the analyses but nothing downstream until a new version is approved.</p>`;
    if (this.error) return html`${head}<hs-state kind="error" .message=${this.error.message} @retry=${() => this.load()}></hs-state>`;
    if (!this.mappings) return html`${head}<hs-state kind="loading" message="Loading the definition mappings…"></hs-state>`;
    if (!this.mappings.length) return html`${head}<hs-state kind="empty" message="No definition is promoted yet. Map one to a canonical event, then have it approved."></hs-state>`;
    return html`${head}<table id="definition-mappings"><thead><tr><th scope="col">Definition</th><th scope="col">Canonical event</th><th scope="col">Status</th>
        <th scope="col">Produces by</th><th scope="col" class="num">Produced</th><th scope="col">Last change</th></tr></thead>
      <tbody>${this.mappings.map(m => html`<tr data-id=${m.id}>
        <th scope="row"><a href=${`/e/${app}/registry/definition-mappings/${m.id}`} @click=${e => { e.preventDefault(); this.go('definition-mappings', String(m.id)); }}>
          ${this.names.get(m.definition_id) || m.pinned?.definition_name || `Definition ${m.definition_id}`}</a>
          ${m.definition_changed ? html` <span class="badge changed">⚠ Definition changed</span>` : ''}</th>
        <td><code>${m.canonical_event}</code></td><td><span class="badge ${m.status}">${m.status}</span></td>
        <td>${m.producing_version ? `version ${m.producing_version}` : html`<span class="muted">nothing yet</span>`}</td>
        <td class="num produced">${m.produced === undefined ? html`<span class="muted">…</span>` : m.produced === null ? '–' : formatNumber(m.produced)}</td>
        <td class="when">${when(m.updated_at)}<small class="muted" style="display:block">${m.updated_by || ''}</small></td></tr>`)}</tbody></table>`;
  }
}
customElements.define('hs-definition-mappings', HsDefinitionMappings);

export class HsDefinitionMapping extends LitElement {
  static properties = {
    appId: {attribute: 'app-id'}, mappingId: {attribute: false}, go: {attribute: false},
    mapping: {state: true}, form: {state: true}, definitions: {state: true}, eventProps: {state: true}, userProps: {state: true},
    events: {state: true}, versions: {state: true}, produced: {state: true}, problem: {state: true}, message: {state: true},
    busy: {state: true}, loadError: {state: true}, window: {state: true}, backfillResult: {state: true}, runResult: {state: true},
  };
  static styles = [base, registryStyles];

  connectedCallback() {
    super.connectedCallback();
    const now = new Date();
    this.window = {preset: '24', from: localInput(new Date(now.getTime() - 24 * 3600_000)), to: localInput(now)};
    this.definitions = [];
    this.eventProps = [];
    this.userProps = [];
    this.events = [];
    this.loadPickers();
    this.reset();
  }

  willUpdate(changed) {
    // Proposed (or another mapping opened): the same element now shows that mapping, loaded afresh.
    if (changed.has('mappingId') && this.hasUpdated) this.reset();
  }

  reset() {
    this.mapping = null;
    this.versions = null;
    this.produced = null;
    this.problem = null;
    this.runResult = null;
    this.backfillResult = null;
    this.focused = false;
    if (this.mappingId != null) {
      this.form = null;
      this.load();
    } else {
      this.form = {definition_id: '', canonical_event: '', props: [sourceRow('', {from: ''})]};
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
    return mappingsBase(this.appId);
  }

  /** The definitions, the catalog's event and user properties and the canonical events, for the pickers. */
  async loadPickers() {
    const app = encodeURIComponent(this.appId);
    const [defs, ev, us, schemas] = await Promise.all([
      api(`/api/definitions?app_id=${app}`).catch(() => ({definitions: []})),
      api(`/api/catalog/properties?app_id=${app}&scope=event&limit=200`).catch(() => ({properties: []})),
      api(`/api/catalog/properties?app_id=${app}&scope=user&limit=200`).catch(() => ({properties: []})),
      api(`/api/environments/${app}/registry/schemas`).catch(() => ({schemas: []})),
    ]);
    this.definitions = defs.definitions;
    this.eventProps = ev.properties.map(p => p.name);
    this.userProps = us.properties.map(p => p.name);
    this.events = schemas.schemas.map(s => s.event);
  }

  async load() {
    try {
      const m = await api(`${this.base}/${this.mappingId}`);
      this.mapping = m;
      this.form = {definition_id: String(m.definition_id), canonical_event: m.canonical_event,
        props: Object.entries(m.properties || {}).map(([n, s]) => sourceRow(n, s))};
      const [versions, produced] = await Promise.all([api(`${this.base}/${this.mappingId}/versions`), api(`${this.base}/${this.mappingId}/produced`)]);
      this.versions = versions.versions;
      this.produced = produced;
    } catch (e) {
      this.loadError = e;
    }
  }

  body() {
    const f = this.form;
    const properties = {};
    for (const r of f.props) if (r.name.trim()) properties[r.name.trim()] = sourceOf(r);
    return {definition_id: f.definition_id === '' ? null : Number(f.definition_id), canonical_event: f.canonical_event.trim(), properties};
  }

  /** Runs a change; `done` says what happened. A new mapping opens its own page. */
  async act(work, done) {
    this.busy = true;
    this.problem = null;
    this.message = '';
    try {
      const r = await work();
      if (this.mappingId == null) {
        this.go('definition-mappings', String(r.id));
        return;
      }
      this.message = done(r);
      await this.load();
    } catch (e) {
      this.problem = e;
    } finally {
      this.busy = false;
    }
  }

  async runPromoter() {
    this.runResult = null;
    try {
      const r = await api(`${this.base}/run`, {method: 'POST'});
      this.runResult = `The promoter caught up: ${formatNumber(r.matched)} matched, ${formatNumber(r.produced)} produced, ${formatNumber(r.duplicates)} already promoted.`;
      await this.load();
    } catch (e) {
      this.runResult = problemText(e);
    }
  }

  async backfill() {
    this.backfillResult = null;
    try {
      let from;
      let to;
      if (this.window.preset) {
        // Up to a few seconds ago, so that a server clock slightly behind the browser's never sees a future end.
        const end = Date.now() - 2000;
        to = new Date(end).toISOString();
        from = new Date(end - Number(this.window.preset) * 3600_000).toISOString();
      } else {
        from = new Date(this.window.from).toISOString();
        to = new Date(this.window.to).toISOString();
      }
      const r = await api(`${this.base}/${this.mappingId}/backfill`, {method: 'POST', body: {from, to}});
      this.backfillResult = {ok: true, text: `Backfilled ${when(r.from)} to ${when(r.to)} by version ${r.version}: ${formatNumber(r.matched)} matched, `
        + `${formatNumber(r.produced)} produced, ${formatNumber(r.duplicates)} already promoted, ${formatNumber(r.conflicts)} conflicts${r.more ? '; more are left: backfill again' : ''}.`};
      await this.load();
    } catch (e) {
      this.backfillResult = {ok: false, text: problemText(e)};
    }
  }

  async deleteItem() {
    if (!confirm('Delete this definition mapping? It produces no more; its history stays.')) return;
    try {
      await api(`${this.base}/${this.mappingId}`, {method: 'DELETE'});
      this.go('definition-mappings');
    } catch (e) {
      this.problem = e;
    }
  }

  setRow(i, patch) {
    this.form = {...this.form, props: this.form.props.map((r, j) => (j === i ? {...r, ...patch} : r))};
  }

  renderRow(r, i) {
    const n = i + 1;
    let from;
    if (r.kind === 'value') {
      from = html`<input type="text" aria-label=${`Property ${n} constant`} .value=${r.value} @input=${e => this.setRow(i, {value: e.target.value})}>`;
    } else if (r.kind === 'session') {
      from = html`<select aria-label=${`Property ${n} session or device field`} .value=${r.from} @change=${e => this.setRow(i, {from: e.target.value})}>
        <option value="" ?selected=${!r.from}>Choose…</option>
        ${SESSION_BUILT_INS.map(b => html`<option value=${b} ?selected=${r.from === b}>${b}</option>`)}</select>`;
    } else {
      const list = r.kind === 'user' ? 'user-props' : 'event-props';
      from = html`<input type="text" list=${list} aria-label=${`Property ${n} ${r.kind === 'user' ? 'user property' : 'event property'}`}
        placeholder=${r.kind === 'user' ? 'plan' : 'price or $path'} .value=${r.from} @input=${e => this.setRow(i, {from: e.target.value})}>`;
    }
    return html`<tr>
      <td><input type="text" aria-label=${`Property ${n} name`} placeholder="value" .value=${r.name} @input=${e => this.setRow(i, {name: e.target.value})}></td>
      <td><select aria-label=${`Property ${n} comes from`} .value=${r.kind} @change=${e => this.setRow(i, {kind: e.target.value, from: ''})}>
        ${SOURCES.map(([k, l]) => html`<option value=${k} ?selected=${r.kind === k}>${l}</option>`)}</select></td>
      <td>${from}</td>
      <td><button type="button" aria-label=${`Remove property ${n}`} @click=${() => { this.form = {...this.form, props: this.form.props.filter((_, j) => j !== i)}; }}>Remove</button></td>
    </tr>`;
  }

  render() {
    if (this.loadError) return html`<hs-state kind="error" .message=${this.loadError.message} @retry=${() => { this.loadError = null; this.load(); }}></hs-state>`;
    if (!this.form) return html`<hs-state kind="loading" message="Loading the definition mapping…"></hs-state>`;
    const m = this.mapping;
    const f = this.form;
    const architect = canChange();
    const app = encodeURIComponent(this.appId);
    const defName = id => this.definitions.find(d => d.id === Number(id))?.name;
    return html`<div class="top"><a href=${`/e/${app}/registry/definition-mappings`} @click=${e => { e.preventDefault(); this.go('definition-mappings'); }}>← Definition mappings</a>
        <h2 tabindex="-1">${m ? html`${defName(m.definition_id) || m.pinned?.definition_name || `Definition ${m.definition_id}`} → <code>${m.canonical_event}</code>` : 'New definition mapping'}</h2>
        ${m ? html`<span class="badge ${m.status}" id="status">${m.status}</span><span class="badge">version ${m.version}</span>` : ''}</div>
      ${m?.definition_changed ? html`<div class="flag" id="definition-changed" role="status"><strong>⚠ Definition changed since approval</strong>
        ${flagNote(m.definition_note)} <a href=${`/e/${app}/definitions/${m.definition_id}`}>Open the definition</a></div>` : ''}
      ${m ? html`<dl class="facts card" id="facts">
        <dt>Produces</dt><dd>${m.producing_version ? html`by version ${m.producing_version}, the rules of “${m.pinned?.definition_name}” as approved by ${m.pinned?.approved_by}`
          : html`nothing: ${m.status === 'deprecated' ? 'deprecated' : 'no version is approved yet'}`}</dd>
        ${m.producing_version && m.producing_version !== m.version ? html`<dt>Latest version</dt><dd>version ${m.version} (${m.status}) waits for approval; version ${m.producing_version} goes on producing</dd>` : ''}
      </dl>` : ''}
      ${architect ? '' : html`<p class="readonly" id="readonly">You propose drafts: only architects and admins approve, deprecate, backfill or run the promoter (your role is ${me()?.role || 'unknown'}).</p>`}
      <form class="card" style="margin-top:12px" @submit=${e => { e.preventDefault(); this.act(() => api(m ? `${this.base}/${m.id}` : this.base, {method: m ? 'PUT' : 'POST', body: this.body()}),
          r => `Saved as version ${r.version} (a draft).`); }}>
        <fieldset>
          <div class="row">
            <label>Definition <select name="definition_id" required .value=${f.definition_id} @change=${e => { this.form = {...f, definition_id: e.target.value}; }}>
              <option value="" ?selected=${f.definition_id === ''}>Choose a definition…</option>
              ${this.definitions.map(d => html`<option value=${String(d.id)} ?selected=${f.definition_id === String(d.id)}>${d.name}</option>`)}</select></label>
            <label>Canonical event <input name="canonical_event" list="canonical-events" required placeholder="purchase" .value=${f.canonical_event}
              @input=${e => { this.form = {...f, canonical_event: e.target.value}; }}></label>
          </div>
          <datalist id="canonical-events">${this.events.map(e => html`<option value=${e}></option>`)}</datalist>
          <datalist id="event-props">${[...this.eventProps, ...EVENT_BUILT_INS].map(p => html`<option value=${p}></option>`)}</datalist>
          <datalist id="user-props">${this.userProps.map(p => html`<option value=${p}></option>`)}</datalist>
          <table class="props" id="property-mappings"><caption class="note" style="text-align:left">Canonical properties and where each comes from: the raw event's properties and fields
              (<code>$path</code>, <code>$url</code>, …), its session and device, the user's property when the event is promoted, or a constant.</caption>
            <thead><tr><th scope="col">Canonical property</th><th scope="col">Comes from</th><th scope="col">Field or value</th><th scope="col"><span class="muted">Remove</span></th></tr></thead>
            <tbody>${f.props.map((r, i) => this.renderRow(r, i))}</tbody></table>
          <div><button type="button" id="add-property" @click=${() => { this.form = {...f, props: [...f.props, sourceRow('', {from: ''})]}; }}>Add a property</button></div>
        </fieldset>
        ${this.problem ? html`<div role="alert" class="err">${problemText(this.problem)}</div>` : ''}
        <div class="actions">
          <button class="primary" type="submit" ?disabled=${this.busy}>${m ? 'Save as a new draft' : 'Propose as draft'}</button>
          ${m && m.status !== 'approved' ? html`<button type="button" id="approve" ?disabled=${!architect || this.busy} aria-describedby=${architect ? nothing : 'readonly'}
            @click=${() => this.act(() => api(`${this.base}/${m.id}/approve`, {method: 'POST'}), r => `Approved: version ${r.version} produces, pinning the definition's rules as they are now.`)}>Approve</button>` : ''}
          ${m?.definition_changed && m.status === 'approved' ? html`<button type="button" id="reapprove" ?disabled=${!architect || this.busy} aria-describedby=${architect ? nothing : 'readonly'}
            @click=${() => this.act(() => api(`${this.base}/${m.id}/approve`, {method: 'POST'}), r => `Approved: version ${r.version} produces by the definition's new rules.`)}>Approve the new rules</button>` : ''}
          ${m && m.status !== 'deprecated' ? html`<button type="button" id="deprecate" ?disabled=${!architect || this.busy} aria-describedby=${architect ? nothing : 'readonly'}
            @click=${() => this.act(() => api(`${this.base}/${m.id}/deprecate`, {method: 'POST'}), r => `Deprecated (version ${r.version}): it produces no more.`)}>Deprecate</button>` : ''}
          ${m && architect ? html`<button type="button" @click=${this.deleteItem}>Delete</button>` : ''}
          <span role="status" class="muted" id="saved">${this.message || ''}</span>
        </div>
      </form>
      ${m ? this.renderProduced() : ''}
      ${m ? this.renderBackfill() : ''}
      ${m ? html`<section class="card" aria-labelledby="history-h"><h2 id="history-h">Version history</h2>${historyTable(this.versions, 'versions')}</section>` : ''}`;
  }

  renderProduced() {
    const p = this.produced;
    const architect = canChange();
    let body;
    if (!p) body = html`<hs-state kind="loading" message="Loading what it produced…"></hs-state>`;
    else {
      body = html`<p><span id="produced-count" style="font-size:22px;font-weight:600">${formatNumber(p.count)}</span> canonical events produced${p.last_produced_at
          ? html`<span class="muted">, the last at ${when(p.last_produced_at)}</span>` : ''}</p>
        ${!p.latest.length ? html`<hs-state kind="empty" message=${this.mapping.producing_version ? 'Nothing produced yet: new matching events are promoted within a second or two; older ones through a backfill.'
          : 'Nothing produced: a mapping produces once a version is approved.'}"></hs-state>`
        : html`<table id="produced"><caption class="note" style="text-align:left">The latest ${p.latest.length}, newest first</caption>
          <thead><tr><th scope="col">Time</th><th scope="col">Event id</th><th scope="col">User</th><th scope="col">Properties</th></tr></thead>
          <tbody>${p.latest.map(e => html`<tr><td class="when">${when(e.timestamp)}</td><td class="event-id"><code>${e.event_id}</code></td>
            <td>${e.user_id || html`<span class="muted">${e.anonymous_id ? `anonymous (${e.anonymous_id})` : '–'}</span>`}</td>
            <td><ul class="kv">${Object.entries(e.properties || {}).map(([k, v]) => html`<li><code>${k}</code> = ${JSON.stringify(v)}</li>`)}</ul></td></tr>`)}</tbody></table>`}`;
    }
    return html`<section class="card" aria-labelledby="produced-h"><div class="top"><h2 id="produced-h">Produced events</h2><span class="spacer"></span>
        <button id="run-promoter" ?disabled=${!architect} aria-describedby=${architect ? nothing : 'readonly'} @click=${this.runPromoter}>Promote now</button></div>
      <p role="status" class="muted" id="run-result">${this.runResult || ''}</p>${body}</section>`;
  }

  renderBackfill() {
    const architect = canChange();
    const approved = !!this.mapping.producing_version;
    const r = this.backfillResult;
    return html`<section class="card" aria-labelledby="backfill-h"><h2 id="backfill-h">Backfill</h2>
      <p class="note">Promotes the matching events of a past window by the approved rules: at most 72 hours wide and at most 7 days back, since ad platforms refuse older events.
        Events already promoted are found as duplicates, never sent twice.</p>
      <form class="row" @submit=${e => { e.preventDefault(); this.backfill(); }}>
        <label>Window <select name="window" .value=${this.window.preset} @change=${e => { this.window = {...this.window, preset: e.target.value}; }}>
          ${BACKFILL_WINDOWS.map(([v, l]) => html`<option value=${v} ?selected=${this.window.preset === v}>${l}</option>`)}</select></label>
        ${this.window.preset ? '' : html`
        <label>From <input type="datetime-local" name="from" required .value=${this.window.from} @input=${e => { this.window = {...this.window, from: e.target.value}; }}></label>
        <label>To <input type="datetime-local" name="to" required .value=${this.window.to} @input=${e => { this.window = {...this.window, to: e.target.value}; }}></label>`}
        <button type="submit" id="backfill" ?disabled=${!architect || !approved} aria-describedby="backfill-why">Backfill</button>
        <span class="note" id="backfill-why">${!approved ? 'Approve a version first: a backfill runs by the approved rules.' : !architect ? 'Architects and admins run backfills.' : this.window.preset ? 'Up to now.' : 'Times are in your browser’s time zone.'}</span>
      </form>
      ${r ? html`<p role=${r.ok ? 'status' : 'alert'} class=${r.ok ? 'muted' : 'err'} id="backfill-result">${r.text}</p>` : ''}</section>`;
  }
}
customElements.define('hs-definition-mapping', HsDefinitionMapping);


// The Definitions screen: the catalog (definitions and custom events with counts and a 30-day sparkline, the
// properties seen, and the candidates no definition covers yet) and the definition editor, whose preview follows
// the rules as they are typed. /e/<app>/definitions, /e/<app>/definitions/<id>, /e/<app>/definitions/new#d=<draft>.
import {LitElement, html, css, svg} from 'lit';
import {api, ApiError, isAbort, me} from './api.js';
import {base, encodeState, decodeState, focusIfLost, formatNumber, SubRoutes} from './ui.js';
import './chart.js';
import {OPS} from './pickers.js';

const TABS = [['events', 'Events'], ['properties', 'Properties'], ['candidates', 'Candidates']];
const RULE_KINDS = [['click', 'Click'], ['submit', 'Submit'], ['change', 'Change'], ['pageview', 'Pageview'], ['custom', 'Custom event']];
const TEXT_MODES = [['text', 'equals'], ['text_contains', 'contains'], ['text_regex', 'matches regex']];
const PATH_MODES = [['path', 'equals (* any)'], ['path_contains', 'contains'], ['path_regex', 'matches regex']];
const CAN_EDIT = new Set(['architect', 'admin']);

/** An inline SVG sparkline of values (no axes), labelled for screen readers. */
export function sparkline(values, label) {
  if (!values?.length) return html`<span class="muted">–</span>`;
  const w = 120, h = 28, max = Math.max(1, ...values);
  const pts = values.map((v, i) => `${(i / Math.max(1, values.length - 1)) * w},${h - 2 - (v / max) * (h - 4)}`).join(' ');
  return html`<svg class="spark" width=${w} height=${h} viewBox="0 0 ${w} ${h}" role="img" aria-label=${label}>
    ${svg`<polyline points=${pts} fill="none" stroke="currentColor" stroke-width="1.5"/>`}</svg>`;
}

/** A rule as the editor holds it: kind, text and path each with a mode, and property filters. */
function editableRule(r = {kind: 'click'}) {
  const textMode = TEXT_MODES.find(([k]) => r[k] != null)?.[0] || 'text';
  const pathMode = PATH_MODES.find(([k]) => r[k] != null)?.[0] || 'path';
  return {
    kind: r.kind || 'click', selector: r.selector || '', textMode, text: r[textMode] || '', pathMode, path: r[pathMode] || '',
    href: r.href || '', form_id: r.form_id || '', event: r.event || '', properties: (r.properties || []).map(p => ({...p})),
  };
}

/** The API's rule for an editor rule: only the conditions given, and only those the kind takes. */
export function apiRule(r) {
  const out = {kind: r.kind};
  const element = r.kind === 'click' || r.kind === 'submit' || r.kind === 'change';
  if (element && r.selector.trim()) out.selector = r.selector.trim();
  if (element && r.text !== '') out[r.textMode] = r.text;
  if (element && r.href.trim()) out.href = r.href.trim();
  if (r.kind !== 'custom' && r.path.trim()) out[r.pathMode] = r.path.trim();
  if (r.kind === 'submit' && r.form_id.trim()) out.form_id = r.form_id.trim();
  if (r.kind === 'custom') out.event = r.event;
  const props = r.properties.filter(p => p.key.trim()).map(p => {
    const f = {key: p.key.trim(), op: p.op};
    if (p.op !== 'is_set' && p.op !== 'is_not_set') {
      f.value = ['>', '<', '>=', '<='].includes(p.op) && p.value !== '' && Number.isFinite(Number(p.value)) ? Number(p.value) : p.value;
    }
    return f;
  });
  if (props.length) out.properties = props;
  return out;
}

/** Why a selector may break when the site changes, or null. */
export function fragility(selector) {
  if (!selector) return null;
  if (/:nth-(last-)?(child|of-type)/.test(selector)) return 'It depends on the element\'s position (:nth-…), which changes when the page does.';
  const depth = selector.split(',')[0].trim().split(/\s*>\s*|\s+/).filter(Boolean).length;
  if (depth > 4) return `It names ${depth} levels of the page; a shorter selector survives more redesigns.`;
  if (/#[^\s.#[:]*\d{3,}/.test(selector)) return 'It names a generated-looking id.';
  return null;
}

export class HsDefinitions extends LitElement {
  static properties = {
    appId: {attribute: 'app-id'}, path: {}, role: {state: true}, tab: {state: true}, search: {state: true},
    list: {state: true}, error: {state: true}, props: {state: true}, candidates: {state: true},
  };
  static styles = [base, css`
    .top { display: flex; align-items: center; gap: 12px; margin-bottom: 12px; }
    .top h1 { margin: 0; }
    h1:focus { outline: none; }
    .spacer { flex: 1; }
    [role=tablist] { display: flex; gap: 4px; border-bottom: 1px solid var(--line); margin-bottom: 12px; }
    [role=tab] { border: 0; border-bottom: 2px solid transparent; border-radius: 0; background: none; padding: 8px 12px; color: var(--muted); }
    [role=tab][aria-selected=true] { border-bottom-color: var(--accent); color: var(--fg); font-weight: 600; }
    .spark { color: var(--accent); vertical-align: middle; }
    .badge { font-size: 11px; font-weight: 600; padding: 1px 6px; border-radius: 4px; background: var(--bg-code); color: var(--muted); }
    .badge.verified { background: var(--ok-bg); color: var(--ok); }
    td small { display: block; color: var(--muted); max-width: 420px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    td code { word-break: break-all; }
    input[type=search] { width: 260px; }
    td.date { white-space: nowrap; }
    a.new { background: var(--accent); color: #fff; text-decoration: none; border-radius: 6px; padding: 6px 12px; font-weight: 600; }
  `];

  constructor() {
    super();
    this.tab = new URLSearchParams(location.hash.slice(1)).get('tab') || 'events';
    this.search = '';
    this.routes = new SubRoutes(this, 'definitions');
  }

  connectedCallback() {
    super.connectedCallback();
    this.role = me()?.role || null;
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this.ctrl?.abort();
  }

  updated(changed) {
    if ((changed.has('path') || changed.has('appId')) && !this.routes.sub) {
      this.load();
      focusIfLost(this.renderRoot.querySelector('h1'));
    }
  }

  open(sub, hash = '') {
    this.routes.open(sub, hash);
  }

  async load() {
    this.ctrl?.abort();
    this.ctrl = new AbortController();
    const signal = this.ctrl.signal;
    const app = encodeURIComponent(this.appId);
    this.error = null;
    try {
      const [defs, events] = await Promise.all([
        api(`/api/definitions?app_id=${app}`, {signal}),
        api(`/api/catalog/events?app_id=${app}&limit=200`, {signal}),
      ]);
      const counts = new Map((events.definitions || []).map(d => [d.id, d]));
      const rows = defs.definitions.map(d => ({...d, type: 'definition', count: counts.get(d.id)?.count ?? 0, last_seen: counts.get(d.id)?.last_seen,
        ref: {definition: d.id}}));
      (events.custom_events || []).forEach(c => rows.push({type: 'custom', name: c.name, count: c.count, last_seen: c.last_seen,
        ref: {kind: 'custom', event: c.name}}));
      this.list = rows;
      this.loadTrends(rows, signal);
      if (this.tab !== 'events') this.loadTab(this.tab);
    } catch (e) {
      if (!isAbort(e)) this.error = e;
    }
  }

  /** The last 30 days of every row, by graph queries of up to 50 series (one query for most catalogs). */
  async loadTrends(rows, signal) {
    for (let i = 0; i < rows.length; i += 50) {
      const chunk = rows.slice(i, i + 50);
      try {
        const answer = await api('/api/query', {method: 'POST', signal, body: {app_id: this.appId, kind: 'graph', from: '-30d', interval: 'day',
          series: chunk.map(r => ({event: r.ref, measure: 'count'}))}});
        answer.series.forEach((s, j) => { chunk[j].trend = s.points.map(p => p.value || 0); });
        this.list = [...this.list];
      } catch (e) {
        if (isAbort(e)) return;
        chunk.forEach(r => { r.trend = []; });
      }
    }
  }

  async loadTab(tab) {
    const app = encodeURIComponent(this.appId);
    const signal = this.ctrl?.signal;
    try {
      if (tab === 'properties' && !this.props) {
        const [ev, us] = await Promise.all([
          api(`/api/catalog/properties?app_id=${app}&scope=event&limit=200`, {signal}),
          api(`/api/catalog/properties?app_id=${app}&scope=user&limit=200`, {signal}),
        ]);
        this.props = [...ev.properties.map(p => ({...p, scope: 'event'})), ...us.properties.map(p => ({...p, scope: 'user'}))];
      }
      if (tab === 'candidates' && !this.candidates) {
        this.candidates = (await api(`/api/catalog/candidates?app_id=${app}&limit=50`, {signal})).candidates;
      }
    } catch (e) {
      if (!isAbort(e)) this.error = e;
    }
  }

  setTab(tab) {
    this.tab = tab;
    history.replaceState(null, '', `#tab=${tab}`);
    this.loadTab(tab);
  }

  onTabKey(e) {
    const i = TABS.findIndex(([k]) => k === this.tab);
    const next = e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : null;
    if (next == null) return;
    const t = TABS[(next + TABS.length) % TABS.length][0];
    this.setTab(t);
    this.updateComplete.then(() => this.renderRoot.querySelector(`#tab-${t}`)?.focus());
  }

  render() {
    const sub = this.routes.sub;
    if (sub) {
      return html`<hs-definition-editor app-id=${this.appId} .definitionId=${sub === 'new' ? null : Number(sub)} .role=${this.role}
        .draft=${sub === 'new' ? decodeState(new URLSearchParams(location.hash.slice(1)).get('d') || '') : null}
        @saved=${e => this.open(String(e.detail.id))} @back=${() => this.open('')}></hs-definition-editor>`;
    }
    return html`<div class="top"><h1 tabindex="-1">Definitions</h1><span class="spacer"></span>
        ${CAN_EDIT.has(this.role) ? html`<a class="new" href=${`/e/${encodeURIComponent(this.appId)}/definitions/new`}
          @click=${e => { e.preventDefault(); this.open('new'); }}>New definition</a>` : ''}</div>
      <div role="tablist" aria-label="Catalog" @keydown=${this.onTabKey}>
        ${TABS.map(([k, l]) => html`<button role="tab" id=${`tab-${k}`} aria-selected=${this.tab === k} aria-controls="panel"
          tabindex=${this.tab === k ? 0 : -1} @click=${() => this.setTab(k)}>${l}</button>`)}
      </div>
      <div id="panel" role="tabpanel" aria-labelledby=${`tab-${this.tab}`}>
        ${this.error ? html`<hs-state kind="error" .message=${this.error.message} @retry=${() => { this.props = null; this.candidates = null; this.load(); }}></hs-state>`
          : this.tab === 'properties' ? this.renderProperties()
          : this.tab === 'candidates' ? this.renderCandidates() : this.renderEvents()}
      </div>`;
  }

  renderEvents() {
    if (!this.list) return html`<hs-state kind="loading" message="Loading the catalog…"></hs-state>`;
    const q = this.search.trim().toLowerCase();
    const rows = this.list.filter(r => !q || [r.name, r.category, r.owner, r.description].some(v => v?.toLowerCase().includes(q)));
    return html`<div class="row" style="margin-bottom:8px"><label>Search
        <input type="search" .value=${this.search} placeholder="Name, category or owner" @input=${e => { this.search = e.target.value; }}></label></div>
      ${this.list.length === 0 ? html`<hs-state kind="empty" message="Nothing captured or defined yet. Install the tracker, then define what the clicks mean."></hs-state>`
        : rows.length === 0 ? html`<hs-state kind="empty" message="No definition or event matches this search."></hs-state>` : html`
      <table id="events">
        <thead><tr><th scope="col">Name</th><th scope="col">Status</th><th scope="col">Category</th><th scope="col">Owner</th>
          <th scope="col">Last 30 days</th><th scope="col" class="num">Events</th><th scope="col">Last seen</th></tr></thead>
        <tbody>${rows.map(r => html`<tr data-name=${r.name}>
          <th scope="row">${r.type === 'definition'
            ? html`<a href=${`/e/${encodeURIComponent(this.appId)}/definitions/${r.id}`} @click=${e => { e.preventDefault(); this.open(String(r.id)); }}>${r.name}</a>
              ${r.description ? html`<small class="muted" style="display:block;font-weight:400">${r.description}</small>` : ''}`
            : html`${r.name} <small class="muted" style="font-weight:400">custom event</small>`}</th>
          <td>${r.type === 'definition' ? html`<span class="badge ${r.status}">${r.status}</span>`
            : CAN_EDIT.has(this.role) ? html`<a href="#" @click=${e => { e.preventDefault(); this.open('new', `#d=${encodeState({name: r.name, rules: [{kind: 'custom', event: r.name}]})}`); }}
                aria-label=${`Define ${r.name}`}>Define</a>` : html`<span class="muted">raw</span>`}</td>
          <td>${r.category || ''}</td><td>${r.owner || ''}</td>
          <td>${r.trend ? sparkline(r.trend, `${r.name}, last 30 days: ${formatNumber(r.trend.reduce((a, b) => a + b, 0))} events`) : html`<span class="muted">…</span>`}</td>
          <td class="num count">${formatNumber(r.count)}</td>
          <td class="date">${r.last_seen ? r.last_seen.slice(0, 10) : html`<span class="muted">never</span>`}</td></tr>`)}
        </tbody></table>`}`;
  }

  renderProperties() {
    if (!this.props) return html`<hs-state kind="loading" message="Loading the properties…"></hs-state>`;
    if (!this.props.length) return html`<hs-state kind="empty" message="No properties seen yet."></hs-state>`;
    return html`<table id="properties"><thead><tr><th scope="col">Property</th><th scope="col">Of</th><th scope="col">Types</th>
        <th scope="col" class="num">Count</th><th scope="col">Top values</th><th scope="col">Last seen</th></tr></thead>
      <tbody>${this.props.map(p => html`<tr><th scope="row"><code>${p.name}</code></th><td>${p.scope === 'user' ? 'users' : 'events'}</td>
        <td>${(p.types || []).map(t => t.type).join(', ')}</td><td class="num">${formatNumber(p.count)}</td>
        <td><small>${(p.top_values || []).map(v => String(v.value)).join(', ')}</small></td>
        <td class="date">${p.last_seen?.slice(0, 10) || ''}</td></tr>`)}</tbody></table>`;
  }

  renderCandidates() {
    if (!this.candidates) return html`<hs-state kind="loading" message="Finding what no definition covers…"></hs-state>`;
    if (!this.candidates.length) return html`<hs-state kind="empty" message="Every interaction seen is covered by a definition."></hs-state>`;
    return html`<p class="muted">The most frequent clicks, submits and changes no definition covers yet. Define one to name it in every analysis, past events included.</p>
      <table id="candidates"><thead><tr><th scope="col">Interaction</th><th scope="col">Selector</th><th scope="col">Page</th>
        <th scope="col" class="num">Events</th><th scope="col"><span class="muted">Action</span></th></tr></thead>
      <tbody>${this.candidates.map((c, i) => html`<tr>
        <th scope="row">${c.kind}${c.text ? html` on “${c.text}”` : ''}</th>
        <td><code>${c.selector}</code></td><td>${c.path || ''}</td><td class="num">${formatNumber(c.count)}</td>
        <td>${CAN_EDIT.has(this.role) ? html`<button @click=${() => this.define(c)} aria-label=${`Define candidate ${i + 1}: ${c.kind} ${c.text || c.selector}`}>Define</button>`
          : html`<span class="muted">architects define</span>`}</td></tr>`)}</tbody></table>`;
  }

  define(c) {
    const rule = {kind: c.kind};
    if (c.selector) rule.selector = c.selector;
    if (c.text) rule.text = c.text;
    if (c.path) rule.path = c.path;
    const name = c.text ? `${c.kind[0].toUpperCase()}${c.kind.slice(1)} ${c.text}`.slice(0, 200) : '';
    this.open('new', `#d=${encodeState({name, rules: [rule]})}`);
  }
}
customElements.define('hs-definitions', HsDefinitions);

export class HsDefinitionEditor extends LitElement {
  static properties = {
    appId: {attribute: 'app-id'}, definitionId: {attribute: false}, role: {attribute: false}, draft: {attribute: false},
    def: {state: true}, errors: {state: true}, preview: {state: true}, previewError: {state: true}, previewing: {state: true},
    loadError: {state: true}, saving: {state: true}, message: {state: true},
  };
  static styles = [base, css`
    .top { display: flex; align-items: center; gap: 12px; margin-bottom: 12px; }
    .top h1 { margin: 0; }
    h1:focus { outline: none; }
    .grid { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 16px; align-items: start; }
    @media (max-width: 900px) { .grid { grid-template-columns: 1fr; } }
    fieldset { border: 0; padding: 0; margin: 0; min-width: 0; display: grid; gap: 12px; }
    label.wide, label.wide input, label.wide textarea { width: 100%; box-sizing: border-box; }
    .rule { border: 1px solid var(--line); border-radius: 8px; padding: 12px; display: grid; gap: 10px; }
    .rule-head { display: flex; align-items: end; gap: 8px; }
    .pair { display: flex; gap: 6px; align-items: end; }
    .pair input { flex: 1; }
    .pair label:last-child { flex: 1; }
    .err { color: var(--danger); font-size: 12px; }
    .warn { color: var(--prod); font-size: 12px; }
    .readonly { background: var(--accent-soft); color: var(--accent-text); padding: 8px 12px; border-radius: 6px; margin-bottom: 12px; }
    .big { font-size: 28px; font-weight: 600; font-variant-numeric: tabular-nums; }
    hs-chart { height: 160px; }
    .dim { opacity: .5; }
    .actions { display: flex; gap: 8px; align-items: center; }
    .samples td { font-size: 12.5px; max-width: 240px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    h2 { margin-top: 4px; }
  `];

  connectedCallback() {
    super.connectedCallback();
    if (this.definitionId != null) this.loadDefinition();
    else {
      const d = this.draft || {};
      this.def = {name: d.name || '', description: d.description || '', category: d.category || '', owner: d.owner || '', status: 'draft',
        rules: (d.rules?.length ? d.rules : [{kind: 'click'}]).map(editableRule)};
      this.schedulePreview(0);
    }
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    clearTimeout(this.timer);
    this.ctrl?.abort();
  }

  updated() {
    // Opened from a link that went away with the catalog: the keyboard continues from this screen's heading.
    const h1 = this.renderRoot.querySelector('h1');
    if (h1 && !this.headingShown) {
      this.headingShown = true;
      focusIfLost(h1);
    }
  }

  async loadDefinition() {
    try {
      const d = await api(`/api/definitions/${this.definitionId}?app_id=${encodeURIComponent(this.appId)}`);
      this.def = {...d, description: d.description || '', category: d.category || '', owner: d.owner || '', rules: d.rules.map(editableRule)};
      this.schedulePreview(0);
    } catch (e) {
      this.loadError = e;
    }
  }

  get readOnly() {
    return !CAN_EDIT.has(this.role);
  }

  set(patch) {
    this.def = {...this.def, ...patch};
  }

  setRule(i, patch) {
    this.set({rules: this.def.rules.map((r, j) => (j === i ? {...r, ...patch} : r))});
    this.schedulePreview();
  }

  /** Runs the preview 300 ms after the last edit; each run aborts the one before. */
  schedulePreview(ms = 300) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.runPreview(), ms);
  }

  async runPreview() {
    this.ctrl?.abort();
    this.ctrl = new AbortController();
    this.previewing = true;
    try {
      const rules = this.def.rules.map(apiRule);
      this.preview = await api('/api/definitions/preview', {method: 'POST', signal: this.ctrl.signal, body: {app_id: this.appId, rules}});
      this.previewError = null;
      this.errors = (this.errors || []).filter(e => !e.field?.startsWith('rules'));
    } catch (e) {
      if (isAbort(e)) return;
      this.previewError = e;
      if (e instanceof ApiError && e.problem.errors) this.errors = e.problem.errors;
    }
    this.previewing = false;
  }

  async save() {
    this.saving = true;
    this.message = null;
    const d = this.def;
    const body = {app_id: this.appId, name: d.name, status: d.status, rules: d.rules.map(apiRule)};
    for (const k of ['description', 'category', 'owner']) if (d[k].trim()) body[k] = d[k].trim();
    try {
      const saved = this.definitionId == null
        ? await api('/api/definitions', {method: 'POST', body})
        : await api(`/api/definitions/${this.definitionId}`, {method: 'PUT', body});
      this.errors = [];
      this.message = 'Saved.';
      this.dispatchEvent(new CustomEvent('saved', {detail: saved}));
    } catch (e) {
      this.errors = e instanceof ApiError ? e.problem.errors || [] : [];
      this.message = e.message;
    }
    this.saving = false;
  }

  async deleteDefinition() {
    if (!confirm(`Delete the definition “${this.def.name}”? Reports using it stop counting it.`)) return;
    try {
      await api(`/api/definitions/${this.definitionId}?app_id=${encodeURIComponent(this.appId)}`, {method: 'DELETE'});
      this.dispatchEvent(new CustomEvent('back'));
    } catch (e) {
      this.message = e.message;
    }
  }

  /** The API's message for a field (exactly, or any field under it), shown next to it. */
  fieldError(field) {
    const found = (this.errors || []).filter(e => e.field === field || e.field?.startsWith(`${field}.`) || e.field?.startsWith(`${field}[`));
    return found.length ? html`<span class="err" id=${`err-${field}`} role="alert">${found.map(e => e.message || e.reason).join('; ')}</span>` : '';
  }

  render() {
    if (this.loadError) return html`<hs-state kind="error" .message=${this.loadError.message} @retry=${() => { this.loadError = null; this.loadDefinition(); }}></hs-state>`;
    if (!this.def) return html`<hs-state kind="loading" message="Loading the definition…"></hs-state>`;
    const d = this.def;
    const ro = this.readOnly;
    return html`<div class="top"><a href=${`/e/${encodeURIComponent(this.appId)}/definitions`}
        @click=${e => { e.preventDefault(); this.dispatchEvent(new CustomEvent('back')); }}>← Definitions</a>
      <h1 tabindex="-1">${this.definitionId == null ? 'New definition' : d.name || 'Definition'}</h1></div>
      ${ro ? html`<p class="readonly" id="readonly">Read-only: your role is ${this.role || 'unknown'}, and only architects and admins change definitions. The preview still shows what it matches.</p>` : ''}
      <div class="grid">
        <form class="card" @submit=${e => { e.preventDefault(); if (!ro) this.save(); }}>
          <fieldset ?disabled=${ro}>
            <label class="wide">Name <input name="name" required .value=${d.name} @input=${e => this.set({name: e.target.value})}
              aria-invalid=${!!this.fieldError('name')} placeholder="Category - Event, such as Checkout - Paid">${this.fieldError('name')}</label>
            <label class="wide">Description <textarea name="description" rows="2" .value=${d.description} @input=${e => this.set({description: e.target.value})}></textarea></label>
            <div class="row">
              <label>Category <input name="category" .value=${d.category} @input=${e => this.set({category: e.target.value})}></label>
              <label>Owner <input name="owner" .value=${d.owner} @input=${e => this.set({owner: e.target.value})}></label>
              <label>Status <select name="status" .value=${d.status} @change=${e => this.set({status: e.target.value})}>
                <option value="draft" ?selected=${d.status === 'draft'}>Draft</option><option value="verified" ?selected=${d.status === 'verified'}>Verified</option></select></label>
            </div>
            <h2>Rules <span class="muted" style="font-weight:400;font-size:12px">an event matches when any rule matches</span></h2>
            ${(this.errors || []).filter(e => e.field === 'rules').map(e => html`<span class="err" role="alert">${e.message || e.reason}</span>`)}
            ${d.rules.map((r, i) => this.renderRule(r, i))}
            <div><button type="button" @click=${() => { this.set({rules: [...d.rules, editableRule({kind: d.rules.at(-1)?.kind || 'click'})]}); this.schedulePreview(); }}>Add a rule</button></div>
          </fieldset>
          ${ro ? '' : html`<div class="actions" style="margin-top:16px">
            <button class="primary" type="submit" ?disabled=${this.saving}>${this.definitionId == null ? 'Create definition' : 'Save'}</button>
            ${this.definitionId != null ? html`<button type="button" @click=${this.deleteDefinition}>Delete</button>` : ''}
            <span role="status" class=${this.message && this.message !== 'Saved.' ? 'err' : 'muted'}>${this.message || ''}</span></div>`}
        </form>
        ${this.renderPreview()}
      </div>`;
  }

  renderRule(r, i) {
    const n = i + 1;
    const element = r.kind === 'click' || r.kind === 'submit' || r.kind === 'change';
    const at = `rules[${i}]`;
    const warn = element ? fragility(r.selector) : null;
    return html`<div class="rule" role="group" aria-label=${`Rule ${n}`}>
      <div class="rule-head">
        <label>Rule ${n} kind <select .value=${r.kind} @change=${e => this.setRule(i, {kind: e.target.value})}>
          ${RULE_KINDS.map(([k, l]) => html`<option value=${k} ?selected=${r.kind === k}>${l}</option>`)}</select></label>
        <span style="flex:1"></span>
        ${this.def.rules.length > 1 ? html`<button type="button" aria-label=${`Remove rule ${n}`}
          @click=${() => { this.set({rules: this.def.rules.filter((_, j) => j !== i)}); this.schedulePreview(); }}>Remove</button>` : ''}
      </div>
      ${element ? html`<label class="wide">Selector <input class="selector" .value=${r.selector} spellcheck="false"
          placeholder="button[data-action=add], #signup button" @input=${e => this.setRule(i, {selector: e.target.value})}>
        ${this.fieldError(`${at}.selector`)}${warn ? html`<span class="warn">Fragile selector: ${warn} Adding a data-* attribute to the element makes it stable.</span>` : ''}</label>
        <div class="pair"><label>Text <select aria-label=${`Rule ${n} text match`} .value=${r.textMode} @change=${e => this.setRule(i, {textMode: e.target.value})}>
            ${TEXT_MODES.map(([k, l]) => html`<option value=${k} ?selected=${r.textMode === k}>${l}</option>`)}</select></label>
          <label>Element text <input .value=${r.text} @input=${e => this.setRule(i, {text: e.target.value})}>${this.fieldError(`${at}.${r.textMode}`)}</label></div>
        <label class="wide">Link (href) equals <input .value=${r.href} @input=${e => this.setRule(i, {href: e.target.value})}>${this.fieldError(`${at}.href`)}</label>` : ''}
      ${r.kind === 'submit' ? html`<label class="wide">Form id <input .value=${r.form_id} @input=${e => this.setRule(i, {form_id: e.target.value})}>${this.fieldError(`${at}.form_id`)}</label>` : ''}
      ${r.kind === 'custom' ? html`<label class="wide">Custom event name <input .value=${r.event} @input=${e => this.setRule(i, {event: e.target.value})}>${this.fieldError(`${at}.event`)}</label>`
        : html`<div class="pair"><label>Page path <select aria-label=${`Rule ${n} path match`} .value=${r.pathMode} @change=${e => this.setRule(i, {pathMode: e.target.value})}>
            ${PATH_MODES.map(([k, l]) => html`<option value=${k} ?selected=${r.pathMode === k}>${l}</option>`)}</select></label>
          <label>Path <input .value=${r.path} placeholder="/products/*" @input=${e => this.setRule(i, {path: e.target.value})}>${this.fieldError(`${at}.${r.pathMode}`)}</label></div>`}
      ${r.properties.map((p, j) => html`<div class="pair">
        <label>Property <input .value=${p.key} @input=${e => this.setProp(i, j, {key: e.target.value})}></label>
        <label>Operator <select .value=${p.op} @change=${e => this.setProp(i, j, {op: e.target.value})}>${OPS.map(([v, l]) => html`<option value=${v} ?selected=${p.op === v}>${l}</option>`)}</select></label>
        <label>Value <input .value=${p.value ?? ''} ?disabled=${p.op === 'is_set' || p.op === 'is_not_set'} @input=${e => this.setProp(i, j, {value: e.target.value})}></label>
        <button type="button" aria-label=${`Remove property condition ${j + 1} of rule ${n}`} @click=${() => this.setRule(i, {properties: r.properties.filter((_, k) => k !== j)})}>×</button></div>`)}
      ${this.fieldError(`${at}.properties`)}
      <div><button type="button" @click=${() => this.setRule(i, {properties: [...r.properties, {key: '', op: '=', value: ''}]})}>Add a property condition</button></div>
    </div>`;
  }

  setProp(i, j, patch) {
    this.setRule(i, {properties: this.def.rules[i].properties.map((p, k) => (k === j ? {...p, ...patch} : p))});
  }

  renderPreview() {
    const p = this.preview;
    let body;
    if (this.previewError && !p) {
      body = html`<p class="err">${this.previewError.message}</p>`;
    } else if (!p) {
      body = html`<hs-state kind="loading" message="Counting the matching events…"></hs-state>`;
    } else {
      const option = {grid: {left: 40, right: 8, top: 8, bottom: 24}, tooltip: {trigger: 'axis'}, xAxis: {type: 'time'}, yAxis: {type: 'value', minInterval: 1},
        series: [{type: 'bar', name: 'Matching events', data: p.days.map(x => [x.day, x.count])}]};
      body = html`<div class=${this.previewing || this.previewError ? 'dim' : ''} aria-busy=${!!this.previewing}>
        ${this.previewError ? html`<p class="err">The rules as typed cannot be previewed: ${this.previewError.message}. The figures below are the last valid ones.</p>` : ''}
        <div><span class="big" id="preview-total">${formatNumber(p.total)}</span> <span class="muted">matching events in the last 30 days</span></div>
        ${p.total === 0 ? html`<p class="warn">Nothing matches. Check the selector against the page, or loosen the text and path conditions.</p>` : ''}
        <hs-chart .option=${option} label=${`Matching events per day, ${p.total} in all`}></hs-chart>
        <h2>Latest matching events</h2>
        ${p.samples.length ? html`<table class="samples"><thead><tr><th scope="col">Time</th><th scope="col">Kind</th><th scope="col">Path</th><th scope="col">Text or name</th></tr></thead>
          <tbody>${p.samples.map(s => html`<tr><td>${s.time?.slice(0, 16).replace('T', ' ')}</td><td>${s.kind}</td><td title=${s.url || ''}>${s.path || ''}</td>
            <td title=${s.hierarchy || ''}>${s.text || s.name || ''}</td></tr>`)}</tbody></table>` : html`<p class="muted">No matching events.</p>`}
      </div>`;
    }
    return html`<section class="card" aria-labelledby="preview-h"><h2 id="preview-h">Preview</h2>${body}</section>`;
  }
}
customElements.define('hs-definition-editor', HsDefinitionEditor);

// The Cohorts screen: saved cohorts with their sizes, the builder (dynamic: behaviour and user-property
// conditions in all / any groups nested to any depth the API takes, each condition or group negatable; static:
// pasted or uploaded identities), size over time and the members.
// /e/<app>/cohorts, /e/<app>/cohorts/<id>, /e/<app>/cohorts/new.
import {LitElement, html, css, nothing} from 'lit';
import {repeat} from 'lit/directives/repeat.js';
import {api, ApiError, isAbort, me} from './api.js';
import {base, focusIfLost, formatNumber, SubRoutes} from './ui.js';
import './chart.js';
import {userLink} from './users.js';
import {NO_CATALOG, OPS, eventSelect, loadCatalog} from './pickers.js';

const CAN_EDIT = new Set(['architect', 'admin']);
const CONDITIONS = [['did', 'Did an event'], ['did_not', 'Did not do an event'], ['then_not', 'Did an event, then not another'],
  ['property', 'Has a user property']];
const UNITS = [['m', 'minutes'], ['h', 'hours'], ['d', 'days'], ['w', 'weeks']];
const JOINS = [['all', 'all of these (AND)'], ['any', 'any of these (OR)']];
const PAGE = 25;
/** The API's limits on a definition (README, "Cohorts"): conditions, each group and each not counted, and levels. */
const MAX_CONDITIONS = 20;
const MAX_DEPTH = 6;

function duration(text, fallback) {
  const m = /^(\d+)([mhdw])$/.exec(text || '');
  return m ? {n: Number(m[1]), unit: m[2]} : fallback;
}

/** A builder condition (flat, with every field) from an API condition, or null when the builder cannot show it. */
export function fromApi(c) {
  const base0 = {type: 'did', event: {kind: 'pageview'}, then: {kind: 'pageview'}, at_least: 1, at_most: '', within: {n: 30, unit: 'd'},
    in_last: {n: 30, unit: 'd'}, use_in_last: false, property: '', op: 'eq', value: ''};
  if (c.property != null) {
    // The API takes the operators' symbols too; the builder shows them by name.
    const op = OPS.find(([sym, , name]) => c.op === sym || c.op === name)?.[2] ?? c.op;
    return {...base0, type: 'property', property: c.property, op, value: c.value ?? ''};
  }
  if (c.did_not) return {...base0, type: 'did_not', event: c.did_not, within: duration(c.within, base0.within)};
  if (c.did && c.then_not) {
    return {...base0, type: 'then_not', event: c.did, then: c.then_not, within: duration(c.within, {n: 1, unit: 'd'}),
      use_in_last: !!c.in_last, in_last: duration(c.in_last, base0.in_last)};
  }
  if (c.did) return {...base0, type: 'did', event: c.did, at_least: c.at_least ?? 1, at_most: c.at_most ?? '', within: duration(c.within, base0.within)};
  return null;
}

/** The API condition of a builder condition. */
export function toApi(c) {
  const d = x => `${x.n}${x.unit}`;
  if (c.type === 'property') {
    const out = {property: c.property, op: c.op};
    if (c.op !== 'is_set' && c.op !== 'is_not_set') {
      out.value = ['gt', 'gte', 'lt', 'lte'].includes(c.op) && c.value !== '' && Number.isFinite(Number(c.value)) ? Number(c.value) : c.value;
    }
    return out;
  }
  if (c.type === 'did_not') return {did_not: c.event, within: d(c.within)};
  if (c.type === 'then_not') {
    const out = {did: c.event, then_not: c.then, within: d(c.within)};
    if (c.use_in_last) out.in_last = d(c.in_last);
    return out;
  }
  const out = {did: c.event, at_least: Number(c.at_least), within: d(c.within)};
  if (c.at_most !== '' && c.at_most != null) out.at_most = Number(c.at_most);
  return out;
}

// The builder's tree. A node is a group {kind: 'group', op: 'all' | 'any', children}, a condition {kind: 'cond',
// ...the fields of fromApi, orig} or a condition the builder cannot edit {kind: 'raw', json}; each has an id (for
// the DOM and focus) and `not`. A condition keeps the API's JSON it was read from (`orig`) until it is edited, so a
// saved definition comes back exactly as it was written (at_least left out, an event's property filters, ...).
let lastId = 0;

/** A new condition: did a pageview in the last 30 days. */
export function newCondition() {
  return {id: ++lastId, kind: 'cond', not: false, ...fromApi({did: {kind: 'pageview'}, at_least: 1, within: '30d'}), orig: null};
}

/** A new group of one condition; `op` defaults to the other join than its parent's (a group of the same join adds nothing). */
export function newGroup(parentOp = 'all') {
  return {id: ++lastId, kind: 'group', op: parentOp === 'all' ? 'any' : 'all', not: false, children: [newCondition()]};
}

function isNot(c) {
  return c && typeof c === 'object' && 'not' in c && Object.keys(c).length === 1;
}

function isGroup(c) {
  return c && typeof c === 'object' && (Array.isArray(c.all) || Array.isArray(c.any)) && Object.keys(c).length === 1;
}

/** The builder node of an API condition. */
export function nodeFromApi(c) {
  if (isNot(c)) {
    const inner = nodeFromApi(c.not);
    // Not of a not: kept as the API holds it rather than cancelled out.
    return inner.not ? {id: ++lastId, kind: 'raw', not: false, json: c} : {...inner, not: true};
  }
  if (isGroup(c)) {
    const op = c.all ? 'all' : 'any';
    return {id: ++lastId, kind: 'group', op, not: false, children: c[op].map(nodeFromApi)};
  }
  const f = c && typeof c === 'object' ? fromApi(c) : null;
  return f ? {id: ++lastId, kind: 'cond', not: false, ...f, orig: c} : {id: ++lastId, kind: 'raw', not: false, json: c};
}

/** The API condition of a builder node. */
export function nodeToApi(n) {
  const inner = n.kind === 'group' ? {[n.op]: n.children.map(nodeToApi)} : n.kind === 'raw' ? n.json : (n.orig ?? toApi(n));
  return n.not ? {not: inner} : inner;
}

/**
 * The root of the builder: a group whose op is "Users must match". `implicit` when the definition is not a group
 * itself: one condition then stands alone in the definition rather than in {"all": [...]}.
 */
export function rootFromApi(def) {
  if (isGroup(def)) return {...nodeFromApi(def), implicit: false};
  return {id: ++lastId, kind: 'group', op: 'all', not: false, implicit: true, children: [nodeFromApi(def)]};
}

/** The API definition of the builder's root. */
export function rootToApi(root) {
  return root.implicit && root.children.length === 1 ? nodeToApi(root.children[0]) : {[root.op]: root.children.map(nodeToApi)};
}

/** How many conditions the API counts in a definition (every group and not is one) and how many levels it nests. */
export function definitionSize(c) {
  if (isGroup(c)) {
    const kids = (c.all || c.any).map(definitionSize);
    return {count: 1 + kids.reduce((a, k) => a + k.count, 0), depth: 1 + Math.max(0, ...kids.map(k => k.depth))};
  }
  if (isNot(c)) {
    const k = definitionSize(c.not);
    return {count: 1 + k.count, depth: 1 + k.depth};
  }
  return {count: 1, depth: 1};
}

/** Whether the API takes a root's definition as far as its size goes. */
function fits(root) {
  const s = definitionSize(rootToApi(root));
  return s.count <= MAX_CONDITIONS && s.depth <= MAX_DEPTH;
}

/** The tree with node `id` replaced by fn(node); fn returning null removes it, and a nested group left empty with it. */
function mapNode(n, id, fn) {
  if (n.id === id) return fn(n);
  if (n.kind !== 'group') return n;
  const children = n.children.map(c => mapNode(c, id, fn)).filter(Boolean);
  return children.length || n.root ? {...n, children} : null;
}

/** Where node `id` is: its parent group and its index there (null for the root or an unknown id). */
function locate(g, id) {
  for (const [index, c] of g.children.entries()) {
    if (c.id === id) return {parent: g, index};
    if (c.kind === 'group') {
      const found = locate(c, id);
      if (found) return found;
    }
  }
  return null;
}

/** Stand-ins for what Add a condition and Add a group add, to see whether the API would take the result. */
const PROBE_CONDITION = newCondition();
const PROBE_GROUP = newGroup();

function leaves(n) {
  return n.kind === 'group' ? n.children.reduce((a, c) => a + leaves(c), 0) : 1;
}

/** The builder's model of a cohort: its type, the root group of a dynamic one, and identities to add to a static one. */
export function builderModel(cohort) {
  if (!cohort) return {type: 'dynamic', root: {id: ++lastId, kind: 'group', op: 'all', not: false, implicit: true, root: true, children: [newCondition()]}, identities: ''};
  if (cohort.type === 'static') return {type: 'static', root: builderModel(null).root, identities: ''};
  return {type: 'dynamic', root: {...rootFromApi(cohort.definition), root: true}, identities: ''};
}

/** The identities of pasted text or an uploaded file: a JSON array, or CSV / lines (an optional "identity" header). */
export function parseIdentities(text) {
  const t = text.trim();
  if (!t) return [];
  if (t.startsWith('[')) {
    const arr = JSON.parse(t);
    return arr.map(v => (typeof v === 'object' && v ? v.identity : v)).map(String);
  }
  const lines = t.split(/\r?\n/).map(l => l.split(',')[0].trim().replace(/^"(.*)"$/, '$1')).filter(Boolean);
  return lines[0]?.toLowerCase() === 'identity' ? lines.slice(1) : lines;
}

export class HsCohorts extends LitElement {
  static properties = {appId: {attribute: 'app-id'}, path: {}, role: {state: true}, cohorts: {state: true}, error: {state: true},
    next: {state: true}};
  static styles = [base, css`
    .top { display: flex; align-items: center; gap: 12px; margin-bottom: 12px; }
    .top h1 { margin: 0; }
    h1:focus { outline: none; }
    .spacer { flex: 1; }
    a.new { background: var(--accent); color: #fff; text-decoration: none; border-radius: 6px; padding: 6px 12px; font-weight: 600; }
    .badge { font-size: 11px; font-weight: 600; padding: 1px 6px; border-radius: 4px; background: var(--bg-code); color: var(--muted); }
  `];

  constructor() {
    super();
    this.routes = new SubRoutes(this, 'cohorts');
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

  open(sub) {
    this.routes.open(sub);
  }

  async load(cursor) {
    if (!cursor) this.ctrl?.abort();
    this.ctrl = cursor ? this.ctrl : new AbortController();
    const signal = this.ctrl.signal;
    const app = encodeURIComponent(this.appId);
    this.error = null;
    try {
      const page = await api(`/api/cohorts?app_id=${app}&limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, {signal});
      const rows = page.cohorts.map(c => ({...c}));
      this.cohorts = cursor ? [...this.cohorts, ...rows] : rows;
      this.total = page.total;
      this.next = page.next_cursor;
      // Sizes: a cohort is evaluated when asked, one at a time, so the list shows first and fills in.
      for (const c of rows) {
        try {
          c.size = (await api(`/api/cohorts/${c.id}/members?app_id=${app}&limit=1`, {signal})).total;
        } catch (e) {
          if (isAbort(e)) return;
          c.size = null;
          c.sizeError = e.message;
        }
        this.cohorts = [...this.cohorts];
      }
    } catch (e) {
      if (!isAbort(e)) this.error = e;
    }
  }

  render() {
    const sub = this.routes.sub;
    if (sub) {
      return html`<hs-cohort app-id=${this.appId} .cohortId=${sub === 'new' ? null : Number(sub)} .role=${this.role}
        @saved=${e => this.open(String(e.detail.id))} @back=${() => this.open('')}></hs-cohort>`;
    }
    const app = encodeURIComponent(this.appId);
    return html`<div class="top"><h1 tabindex="-1">Cohorts</h1><span class="spacer"></span>
        ${CAN_EDIT.has(this.role) ? html`<a class="new" href=${`/e/${app}/cohorts/new`} @click=${e => { e.preventDefault(); this.open('new'); }}>New cohort</a>` : ''}</div>
      ${this.error ? html`<hs-state kind="error" .message=${this.error.message} @retry=${() => this.load()}></hs-state>`
        : !this.cohorts ? html`<hs-state kind="loading" message="Loading the cohorts…"></hs-state>`
        : !this.cohorts.length ? html`<hs-state kind="empty" message=${CAN_EDIT.has(this.role) ? 'No cohorts yet. Create one from behaviour (did X at least N times) or a list of identities.' : 'No cohorts yet; architects and admins create them.'}></hs-state>`
        : html`<table id="cohorts"><thead><tr><th scope="col">Cohort</th><th scope="col">Type</th><th scope="col" class="num">Users now</th>
            <th scope="col">Updated</th></tr></thead>
          <tbody>${this.cohorts.map(c => html`<tr data-id=${c.id}>
            <th scope="row"><a href=${`/e/${app}/cohorts/${c.id}`} @click=${e => { e.preventDefault(); this.open(String(c.id)); }}>${c.name}</a>
              ${c.description ? html`<small class="muted" style="display:block;font-weight:400">${c.description}</small>` : ''}</th>
            <td><span class="badge">${c.type}</span></td>
            <td class="num size">${c.size === undefined ? html`<span class="muted">…</span>` : c.size === null ? html`<span class="muted" title=${c.sizeError}>–</span>` : formatNumber(c.size)}</td>
            <td>${c.updated_at?.slice(0, 10)}</td></tr>`)}</tbody></table>
          ${this.next ? html`<p><button @click=${() => this.load(this.next)}>Show more</button></p>` : ''}`}`;
  }
}
customElements.define('hs-cohorts', HsCohorts);

export class HsCohort extends LitElement {
  static properties = {
    appId: {attribute: 'app-id'}, cohortId: {attribute: false}, role: {attribute: false},
    cohort: {state: true}, model: {state: true}, name: {state: true}, description: {state: true}, catalog: {state: true},
    userProps: {state: true}, errors: {state: true}, message: {state: true}, saving: {state: true}, loadError: {state: true},
    size: {state: true}, sizeError: {state: true}, members: {state: true}, membersError: {state: true},
  };
  static styles = [base, css`
    .top { display: flex; align-items: center; gap: 12px; margin-bottom: 12px; }
    .top h1 { margin: 0; }
    h1:focus { outline: none; }
    fieldset { border: 0; padding: 0; margin: 0; min-width: 0; display: grid; gap: 12px; }
    .children { display: grid; gap: 6px; }
    .cond { display: flex; gap: 8px; align-items: end; border: 1px solid var(--line); border-radius: 8px; padding: 8px;
      background: var(--bg-raised); }
    .fields { flex: 1; min-width: 0; display: flex; gap: 8px; align-items: end; flex-wrap: wrap; }
    .fields .err { flex-basis: 100%; }
    .pair { display: inline-flex; gap: 8px; align-items: end; }
    .group { display: grid; gap: 8px; border: 1px solid var(--line); border-left: 4px solid var(--accent); border-radius: 8px;
      padding: 10px 8px 10px 12px; background: var(--bg); }
    .group .group { background: var(--bg-raised); }
    .group .group .group { background: var(--bg); }
    .group .group .group .group { background: var(--bg-raised); }
    .negated { border-left-color: var(--danger); }
    .cond.negated { border-left-width: 4px; }
    .head { display: flex; gap: 8px; align-items: end; flex-wrap: wrap; }
    .head .spacer { flex: 1; }
    .join { font-size: 12px; font-weight: 700; color: var(--muted); text-transform: uppercase; padding-left: 4px; }
    label.not { flex-direction: row; align-items: center; gap: 4px; align-self: end; font-weight: 600; border: 1px solid var(--line);
      border-radius: 6px; padding: 5px 8px; color: var(--muted); cursor: pointer; }
    label.not:has(input:checked) { border-color: var(--danger); color: var(--danger); background: #fdecea; }
    label.not:has(input:focus-visible) { outline: 2px solid var(--accent); outline-offset: 2px; }
    label.not input { margin: 0; }
    .adds { display: flex; gap: 8px; align-items: center; }
    .group .adds button { border-style: dashed; background: transparent; font-size: 13px; padding: 3px 10px; }
    .raw pre { margin: 0; flex-basis: 100%; }
    input[type=number] { width: 60px; }
    .err { color: var(--danger); font-size: 12px; }
    .readonly { background: var(--accent-soft); color: var(--accent-text); padding: 8px 12px; border-radius: 6px; margin-bottom: 12px; }
    .actions { display: flex; gap: 8px; align-items: center; margin-top: 16px; }
    .sections { display: grid; gap: 16px; margin-top: 16px; }
    hs-chart { height: 220px; }
    textarea { width: 100%; box-sizing: border-box; font-family: var(--mono); }
    label.wide, label.wide input { width: 100%; box-sizing: border-box; }
    .types { display: flex; gap: 16px; }
    .types label { flex-direction: row; align-items: center; font-size: 14px; color: var(--fg); }
  `];

  constructor() {
    super();
    this.catalog = NO_CATALOG;
    this.userProps = [];
  }

  connectedCallback() {
    super.connectedCallback();
    this.ctrl = new AbortController();
    loadCatalog(this.appId, this.ctrl.signal).then(c => { this.catalog = c; }).catch(() => {});
    api(`/api/catalog/properties?app_id=${encodeURIComponent(this.appId)}&scope=user&limit=200`, {signal: this.ctrl.signal})
      .then(p => { this.userProps = p.properties.map(x => x.name); }).catch(() => {});
    this.reset();
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this.ctrl?.abort();
  }

  updated(changed) {
    // Opened from a link that went away with the list: the keyboard continues from this screen's heading.
    const h1 = this.renderRoot.querySelector('h1');
    if (h1 && !this.headingShown) {
      this.headingShown = true;
      focusIfLost(h1);
    }
    // After adding or removing a condition or group, the focus goes where the keyboard user continues.
    if (this.focusNext) {
      const target = this.renderRoot.querySelector(this.focusNext);
      this.focusNext = null;
      target?.focus();
    }
    // Saved as new: the same element now shows the saved cohort, whose size and members are loaded now.
    if (!changed.has('cohortId') || changed.get('cohortId') === undefined || this.cohortId == null) return;
    if (this.cohort?.id === this.cohortId) {
      this.loadSize();
      this.loadMembers();
    } else {
      this.reset();
    }
  }

  reset() {
    if (this.cohortId == null) {
      this.model = builderModel(null);
      this.name = '';
      this.description = '';
      return;
    }
    this.loadCohort();
  }

  async loadCohort() {
    const app = encodeURIComponent(this.appId);
    try {
      const c = await api(`/api/cohorts/${this.cohortId}?app_id=${app}`, {signal: this.ctrl.signal});
      this.cohort = c;
      this.model = builderModel(c);
      this.name = c.name;
      this.description = c.description || '';
      this.loadSize();
      this.loadMembers();
    } catch (e) {
      if (!isAbort(e)) this.loadError = e;
    }
  }

  async loadSize() {
    this.sizeError = null;
    try {
      this.size = await api(`/api/cohorts/${this.cohortId}/size?app_id=${encodeURIComponent(this.appId)}&from=-30d&interval=day`, {signal: this.ctrl.signal});
    } catch (e) {
      if (!isAbort(e)) this.sizeError = e;
    }
  }

  /** A page of members; `stack` holds the cursors of the pages before it (null for the first), for Previous. */
  async loadMembers(cursor = null, stack = []) {
    this.membersError = null;
    try {
      const page = await api(`/api/cohorts/${this.cohortId}/members?app_id=${encodeURIComponent(this.appId)}&limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        {signal: this.ctrl.signal});
      this.members = {...page, stack: [...stack, cursor], page: stack.length};
    } catch (e) {
      if (!isAbort(e)) this.membersError = e;
    }
  }

  pageBack() {
    const s = this.members.stack.slice(0, -1);
    this.loadMembers(s.at(-1), s.slice(0, -1));
  }

  get readOnly() {
    return !CAN_EDIT.has(this.role);
  }

  /** Changes node `id`: a condition's fields (it is then written anew, not as it was read), a group's op, or not. */
  setNode(id, patch) {
    const edit = 'not' in patch || 'op' in patch ? patch : {...patch, orig: null};
    this.model = {...this.model, root: mapNode(this.model.root, id, n => ({...n, ...edit}))};
  }

  /** The root with `node` added at the end of group `groupId`. */
  withAdded(groupId, node) {
    return mapNode(this.model.root, groupId, g => ({...g, children: [...g.children, node]}));
  }

  add(groupId, node) {
    this.model = {...this.model, root: this.withAdded(groupId, node)};
    this.focusNext = node.kind === 'group' ? `#n-${node.id} select.op` : `#n-${node.id} select.type`;
  }

  /** Removes a node (and a nested group it leaves empty); the focus goes to the node now in its place, or the one before. */
  // Not named remove: that is Element.remove(), which Lit calls to take this element out of the page.
  removeNode(id) {
    let at = locate(this.model.root, id);
    while (at && at.parent.children.length === 1 && !at.parent.root) at = locate(this.model.root, at.parent.id);
    const next = at && (at.parent.children[at.index + 1] || at.parent.children[at.index - 1]);
    this.model = {...this.model, root: mapNode(this.model.root, at ? at.parent.children[at.index].id : id, () => null)};
    this.focusNext = next ? `#n-${next.id} :is(input, select, button):not([disabled])` : '#add-condition';
  }

  definition() {
    const m = this.model;
    if (m.type === 'static') {
      const ids = parseIdentities(m.identities);
      return this.cohortId == null ? {type: 'static', identities: ids} : {type: 'static'};
    }
    return rootToApi(m.root);
  }

  async save() {
    this.saving = true;
    this.message = null;
    this.errors = [];
    const app = encodeURIComponent(this.appId);
    try {
      let definition;
      try {
        definition = this.definition();
      } catch (e) {
        throw new ApiError(400, {detail: 'The identities are not valid JSON', errors: [{field: 'definition.identities', message: e.message}]});
      }
      const body = {app_id: this.appId, name: this.name, definition};
      if (this.description.trim()) body.description = this.description.trim();
      const saved = this.cohortId == null
        ? await api('/api/cohorts', {method: 'POST', body})
        : await api(`/api/cohorts/${this.cohortId}`, {method: 'PUT', body});
      if (this.cohortId != null && this.model.type === 'static' && this.model.identities.trim()) {
        await api(`/api/cohorts/${saved.id}/members?app_id=${app}`, {method: 'POST', body: parseIdentities(this.model.identities)});
        this.model = {...this.model, identities: ''};
      }
      this.message = 'Saved.';
      this.cohort = saved;
      this.model = {...this.model, identities: ''};
      if (this.cohortId == null) {
        this.dispatchEvent(new CustomEvent('saved', {detail: saved}));
      } else {
        this.loadSize();
        this.loadMembers();
      }
    } catch (e) {
      this.errors = e instanceof ApiError ? e.problem.errors || [] : [];
      this.message = e.message;
    }
    this.saving = false;
  }

  async deleteCohort() {
    if (!confirm(`Delete the cohort “${this.cohort.name}”?`)) return;
    try {
      await api(`/api/cohorts/${this.cohortId}?app_id=${encodeURIComponent(this.appId)}`, {method: 'DELETE'});
      this.dispatchEvent(new CustomEvent('back'));
    } catch (e) {
      this.message = e.message;
    }
  }

  async upload(e) {
    const file = e.target.files[0];
    if (!file) return;
    const text = await file.text();
    try {
      const ids = parseIdentities(text);
      this.model = {...this.model, identities: ids.join('\n')};
      this.message = `${formatNumber(ids.length)} identities read from ${file.name}.`;
    } catch (err) {
      this.message = `${file.name} is neither CSV nor a JSON array: ${err.message}`;
    }
  }

  /**
   * The API's errors for a field (exactly, or also any field under it), each shown once: the builder's nodes take
   * theirs first, and the definition's line under the builder shows the rest.
   */
  fieldError(prefix, exact = false) {
    const found = (this.errors || []).filter(e => !this.shownErrors.has(e) && (e.field === prefix
      || (!exact && (e.field?.startsWith(`${prefix}.`) || e.field?.startsWith(`${prefix}[`)))));
    found.forEach(e => this.shownErrors.add(e));
    return found.length ? html`<span class="err" role="alert">${found.map(e => `${e.field}: ${e.message || e.reason}`).join('; ')}</span>` : '';
  }

  render() {
    if (this.loadError) return html`<hs-state kind="error" .message=${this.loadError.message} @retry=${() => { this.loadError = null; this.loadCohort(); }}></hs-state>`;
    if (!this.model || (this.cohortId != null && !this.cohort)) return html`<hs-state kind="loading" message="Loading the cohort…"></hs-state>`;
    const ro = this.readOnly;
    const m = this.model;
    const isNew = this.cohortId == null;
    this.shownErrors = new Set();
    return html`<div class="top"><a href=${`/e/${encodeURIComponent(this.appId)}/cohorts`}
        @click=${e => { e.preventDefault(); this.dispatchEvent(new CustomEvent('back')); }}>← Cohorts</a>
      <h1 tabindex="-1">${isNew ? 'New cohort' : this.cohort.name}</h1></div>
      ${ro ? html`<p class="readonly" id="readonly">Read-only: your role is ${this.role || 'unknown'}, and only architects and admins change cohorts.</p>` : ''}
      <form class="card" @submit=${e => { e.preventDefault(); if (!ro) this.save(); }}>
        <fieldset ?disabled=${ro}>
          <div class="row">
            <label style="flex:1">Name <input name="name" required .value=${this.name} @input=${e => { this.name = e.target.value; }}>${this.fieldError('name')}</label>
            <label style="flex:2">Description <input name="description" .value=${this.description} @input=${e => { this.description = e.target.value; }}></label>
          </div>
          ${isNew ? html`<div class="types" role="radiogroup" aria-label="Cohort type">
            <label><input type="radio" name="type" value="dynamic" ?checked=${m.type === 'dynamic'} @change=${() => { this.model = {...m, type: 'dynamic'}; }}> Dynamic: who matches conditions, evaluated when used</label>
            <label><input type="radio" name="type" value="static" ?checked=${m.type === 'static'} @change=${() => { this.model = {...m, type: 'static'}; }}> Static: a list of identities</label>
          </div>` : html`<p class="muted">${m.type === 'static' ? `Static cohort of ${formatNumber(this.cohort.identities)} identities (an identity counts as a member once the server has seen it).` : 'Dynamic cohort: its members are whoever matches now.'}</p>`}
          ${m.type === 'static' ? this.renderStatic(isNew) : this.renderDynamic()}
          ${this.fieldError('definition')}
        </fieldset>
        ${ro ? '' : html`<div class="actions"><button class="primary" type="submit" ?disabled=${this.saving}>${isNew ? 'Create cohort' : 'Save'}</button>
          ${isNew ? '' : html`<button type="button" @click=${this.deleteCohort}>Delete</button>`}
          <span role="status" class=${this.message && !this.message.startsWith('Saved') && !this.message.includes('identities read') ? 'err' : 'muted'}>${this.message || ''}</span></div>`}
      </form>
      ${isNew ? '' : html`<div class="sections">${this.renderSize()}${this.renderMembers()}</div>`}`;
  }

  renderStatic(isNew) {
    const m = this.model;
    return html`<label class="wide">${isNew ? 'Identities' : 'Add identities'}, one per line, or a JSON array
        <textarea name="identities" rows="6" .value=${m.identities} @input=${e => { this.model = {...m, identities: e.target.value}; }}
          placeholder="alice@example.com&#10;bob@example.com"></textarea></label>
      <label>Or upload a CSV or JSON file <input type="file" accept=".csv,.json,.txt,text/csv,application/json" @change=${this.upload}></label>`;
  }

  renderDynamic() {
    const root = this.model.root;
    const single = root.implicit && root.children.length === 1;
    return html`<datalist id="user-props">${this.userProps.map(p => html`<option value=${p}></option>`)}</datalist>
      ${single ? '' : html`<div class="head"><label>Users must match <select name="join" class="op" .value=${root.op} @change=${e => this.setNode(root.id, {op: e.target.value})}>
        ${JOINS.map(([v, l]) => html`<option value=${v} ?selected=${root.op === v}>${l}</option>`)}</select></label></div>`}
      ${this.renderChildren(root, '', single ? 'definition' : `definition.${root.op}`, single)}
      ${this.renderAdds(root, '')}`;
  }

  /** A group's conditions and groups, numbered 1, 2, … (2.1, 2.2, … inside group 2), with the join between them. */
  renderChildren(g, prefix, at, single) {
    return html`<div class="children">${repeat(g.children, c => c.id, (c, i) => {
      const num = prefix ? `${prefix}.${i + 1}` : String(i + 1);
      return html`${i ? html`<div class="join" aria-hidden="true">${g.op === 'any' ? 'or' : 'and'}</div>` : ''}${c.kind === 'group'
        ? this.renderGroup(c, num, single ? at : `${at}[${i}]`) : this.renderCondition(c, num, single ? at : `${at}[${i}]`)}`;
    })}</div>`;
  }

  /** A nested group: not, all / any, its children, and its own Add buttons; `at` is its path in API errors. */
  renderGroup(g, num, at) {
    const inner = g.not ? `${at}.not` : at;
    return html`<div class="group ${g.not ? 'negated' : ''}" role="group" aria-label=${`Group ${num}`} id=${`n-${g.id}`}>
      <div class="head">${this.notToggle(g, `group ${num}`)}
        <label>Group ${num}: users must match <select name=${`group-${num}`} class="op" .value=${g.op} @change=${e => this.setNode(g.id, {op: e.target.value})}>
          ${JOINS.map(([v, l]) => html`<option value=${v} ?selected=${g.op === v}>${l}</option>`)}</select></label>
        <span class="spacer"></span>${this.removeButton(g, `group ${num}`)}</div>
      ${this.fieldError(at, true)}${this.fieldError(inner, true)}${this.fieldError(`${inner}.${g.op}`, true)}
      ${this.renderChildren(g, num, `${inner}.${g.op}`, false)}
      ${this.renderAdds(g, num)}
    </div>`;
  }

  /** Add a condition and Add a group at the end of group `g` (the root when it has no number), off at the API's limits. */
  renderAdds(g, num) {
    if (this.readOnly) return '';
    const canCond = fits(this.withAdded(g.id, PROBE_CONDITION));
    const canGroup = fits(this.withAdded(g.id, PROBE_GROUP));
    return html`<div class="adds">
      <button type="button" id=${num ? nothing : 'add-condition'} aria-label=${num ? `Add a condition to group ${num}` : nothing}
        ?disabled=${!canCond} @click=${() => this.add(g.id, newCondition())}>Add a condition</button>
      <button type="button" id=${num ? nothing : 'add-group'} aria-label=${num ? `Add a group to group ${num}` : nothing}
        ?disabled=${!canGroup} @click=${() => this.add(g.id, newGroup(g.op))}>Add a group</button>
      ${!canCond ? html`<span class="muted">A cohort has at most ${MAX_CONDITIONS} conditions; each group and each Not counts as one.</span>`
        : !canGroup ? html`<span class="muted">Conditions nest at most ${MAX_DEPTH} levels deep; a Not is a level.</span>` : ''}</div>`;
  }

  /** The Not of a condition or group: who does not match it. */
  notToggle(n, what) {
    const allowed = n.not || fits(mapNode(this.model.root, n.id, x => ({...x, not: true})));
    return html`<label class="not"><input type="checkbox" class="neg" .checked=${n.not} ?disabled=${!allowed} aria-label=${`Not: ${what}`}
      @change=${e => this.setNode(n.id, {not: e.target.checked})}> Not</label>`;
  }

  /** Remove, unless the node holds the cohort's last condition. */
  removeButton(n, what) {
    return !this.readOnly && leaves(this.model.root) > leaves(n) ? html`<button type="button" class="remove" aria-label=${`Remove ${what}`}
      @click=${() => this.removeNode(n.id)}>Remove</button>` : '';
  }

  renderCondition(c, num, at) {
    const inner = c.not ? `${at}.not` : at;
    const what = `condition ${num}`;
    if (c.kind === 'raw') {
      return html`<div class="cond raw" role="group" aria-label=${`Condition ${num}`} id=${`n-${c.id}`}><div class="fields">
        <span class="muted">Condition ${num}, kept as the API holds it (the builder does not edit it):</span>
        <pre>${JSON.stringify(c.json)}</pre>${this.fieldError(at)}</div>${this.removeButton(c, what)}</div>`;
    }
    const set = patch => this.setNode(c.id, patch);
    const dur = (label, key) => html`<span class="pair"><label>${label} <input type="number" min="1" aria-label=${`Condition ${num}: ${label} (number)`} .value=${String(c[key].n)}
        @input=${e => set({[key]: {...c[key], n: Number(e.target.value)}})}></label>
      <label>Unit <select aria-label=${`Condition ${num}: ${label} (unit)`} .value=${c[key].unit} @change=${e => set({[key]: {...c[key], unit: e.target.value}})}>
        ${UNITS.map(([u, l]) => html`<option value=${u} ?selected=${c[key].unit === u}>${l}</option>`)}</select></label></span>`;
    const filters = e => (e.properties?.length ? html`<span class="muted">with ${e.properties.length} property filter${e.properties.length > 1 ? 's' : ''}</span>` : '');
    return html`<div class="cond ${c.not ? 'negated' : ''}" role="group" aria-label=${`Condition ${num}`} id=${`n-${c.id}`}><div class="fields">
      ${this.notToggle(c, what)}
      <label>Condition ${num} <select name=${`cond-${num}`} class="type" .value=${c.type} @change=${e => set({type: e.target.value})}>
        ${CONDITIONS.map(([v, l]) => html`<option value=${v} ?selected=${c.type === v}>${l}</option>`)}</select></label>
      ${c.type === 'property' ? html`
        <label>User property <input list="user-props" .value=${c.property} @input=${e => set({property: e.target.value})}></label>
        <label>Operator <select .value=${c.op} @change=${e => set({op: e.target.value})}>
          ${OPS.map(([, l, v]) => html`<option value=${v} ?selected=${c.op === v}>${l}</option>`)}</select></label>
        ${c.op === 'is_set' || c.op === 'is_not_set' ? '' : html`<label>Value <input .value=${String(c.value)} @input=${e => set({value: e.target.value})}></label>`}`
      : html`
        ${eventSelect(c.type === 'then_not' ? 'Did' : 'Event', this.catalog, c.event, event => set({event}))}${filters(c.event)}
        ${c.type === 'did' ? html`<label>At least <input type="number" min="0" .value=${String(c.at_least)} @input=${e => set({at_least: e.target.value})}></label>
          <label>At most <input type="number" min="0" placeholder="any" .value=${String(c.at_most)} @input=${e => set({at_most: e.target.value})}></label>
          ${dur('In the last', 'within')}` : ''}
        ${c.type === 'did_not' ? dur('In the last', 'within') : ''}
        ${c.type === 'then_not' ? html`${eventSelect('But not then', this.catalog, c.then, then => set({then}))}${filters(c.then)}
          ${dur('Within', 'within')}
          <label style="flex-direction:row;align-items:center"><input type="checkbox" .checked=${c.use_in_last} @change=${e => set({use_in_last: e.target.checked})}> only in the last</label>
          ${c.use_in_last ? dur('Period', 'in_last') : ''}` : ''}`}
      ${this.fieldError(at, true)}${this.fieldError(inner)}</div>
      ${this.removeButton(c, what)}
    </div>`;
  }

  renderSize() {
    let body;
    if (this.sizeError) body = html`<hs-state kind="error" .message=${this.sizeError.message} @retry=${() => this.loadSize()}></hs-state>`;
    else if (!this.size) body = html`<hs-state kind="loading" message="Evaluating the cohort for each day…"></hs-state>`;
    else {
      const pts = this.size.points;
      body = html`<hs-chart label=${`Cohort size per day, now ${pts.at(-1)?.size ?? 0}`} .option=${{
        grid: {left: 48, right: 16, top: 16, bottom: 28}, tooltip: {trigger: 'axis'}, xAxis: {type: 'time'}, yAxis: {type: 'value', minInterval: 1},
        series: [{type: 'line', name: 'Users', showSymbol: false, areaStyle: {opacity: 0.12}, data: pts.map(p => [p.t, p.size])}]}}></hs-chart>`;
    }
    return html`<section class="card" aria-labelledby="size-h"><h2 id="size-h">Size over the last 30 days</h2>${body}</section>`;
  }

  renderMembers() {
    const mem = this.members;
    let body;
    if (this.membersError) body = html`<hs-state kind="error" .message=${this.membersError.message} @retry=${() => this.loadMembers()}></hs-state>`;
    else if (!mem) body = html`<hs-state kind="loading" message="Listing the members…"></hs-state>`;
    else if (!mem.users.length) body = html`<hs-state kind="empty" message="Nobody is in this cohort now."></hs-state>`;
    else {
      body = html`<table id="members"><thead><tr><th scope="col">User</th><th scope="col" class="num">Events</th><th scope="col">First seen</th><th scope="col">Last seen</th></tr></thead>
        <tbody>${mem.users.map(u => html`<tr><th scope="row">${userLink(this.appId, u.identity, u.user_key)}</th>
          <td class="num">${formatNumber(u.event_count)}</td><td>${u.first_seen?.slice(0, 10) || ''}</td><td>${u.last_seen?.slice(0, 16).replace('T', ' ') || ''}</td></tr>`)}</tbody></table>
        <div class="actions"><button ?disabled=${mem.page === 0} @click=${() => this.pageBack()}>Previous</button>
          <span class="muted" id="members-range">${formatNumber(mem.page * PAGE + 1)}–${formatNumber(mem.page * PAGE + mem.users.length)} of ${formatNumber(mem.total)}</span>
          <button ?disabled=${!mem.next_cursor} @click=${() => this.loadMembers(mem.next_cursor, mem.stack)}>Next</button></div>`;
    }
    return html`<section class="card" aria-labelledby="members-h"><h2 id="members-h">Members${mem ? html` <span class="muted" id="members-total">${formatNumber(mem.total)}</span>` : ''}</h2>${body}</section>`;
  }
}
customElements.define('hs-cohort', HsCohort);

// The Users screen: the users list (search over identities and property values, a cohort's members only,
// most recently seen first, paged)
// and a user's profile at /e/<app>/users/<identity>: properties, devices, identity merges (admins may undo one),
// and the user's event stream, newest first.
import {LitElement, html, css} from 'lit';
import {api, ApiError, isAbort, me} from './api.js';
import {base, encodeState, decodeState, downloadCsv, formatNumber} from './ui.js';
import {loadCohorts} from './pickers.js';

const PAGE = 50;

/** The link to a user's profile, which other screens use too. */
export function profileUrl(appId, identity) {
  return `/e/${encodeURIComponent(appId)}/users/${encodeURIComponent(identity)}`;
}

/** A time for people: the date and the minute, in the browser's time zone. */
export function formatWhen(t) {
  if (!t) return '–';
  const d = new Date(t);
  return isNaN(d) ? t : d.toLocaleString('en-GB', {dateStyle: 'medium', timeStyle: 'short'});
}

/** What an event was: its kind, and its name for a custom event. */
export function eventLabel(e) {
  if (e.kind === 'custom') return e.name || 'custom';
  if (e.kind === 'identify') return `identify${e.identity ? ` as ${e.identity}` : ''}`;
  return e.kind;
}

/** What to call a user who may be anonymous: the identity, or "Anonymous (device id)". */
export function userName(identity, userKey) {
  if (identity) return identity;
  return userKey?.startsWith('device:') ? `Anonymous (${userKey.slice(7)})` : (userKey || '–');
}

/** A user's name, linked to the profile when the user has an identity (an anonymous device has no profile). */
export function userLink(appId, identity, userKey) {
  if (!identity) return html`<span class="muted">${userName(identity, userKey)}</span>`;
  return html`<a href=${profileUrl(appId, identity)}
    @click=${e => { e.preventDefault(); navigate(profileUrl(appId, identity)); }}>${identity}</a>`;
}

/** The identity a path names (/e/<app>/users/<identity>), or null for the list. */
function identityOf(path) {
  const m = /^\/e\/[^/]+\/users\/(.+)$/.exec(path || '');
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return m[1];
  }
}

/** Navigates within the app without reloading, and lets the shell notice. */
export function navigate(url) {
  history.pushState(null, '', url);
  dispatchEvent(new PopStateEvent('popstate'));
}

export class HsUsers extends LitElement {
  static properties = {appId: {attribute: 'app-id'}, path: {}};

  render() {
    const identity = identityOf(this.path ?? location.pathname);
    return identity == null
      ? html`<hs-user-list app-id=${this.appId}></hs-user-list>`
      : html`<hs-user-profile app-id=${this.appId} .identity=${identity}></hs-user-profile>`;
  }
}
customElements.define('hs-users', HsUsers);

export class HsUserList extends LitElement {
  static properties = {appId: {attribute: 'app-id'}, search: {state: true}, cohort: {state: true},
    cohorts: {state: true}, answer: {state: true}, error: {state: true}, loading: {state: true}, cursors: {state: true}};
  static styles = [base, css`
    .top { display: flex; align-items: end; gap: 16px; margin-bottom: 16px; }
    .top input { width: 320px; }
    .count { margin-left: auto; color: var(--muted); }
    .dim { opacity: .55; }
    td.props { color: var(--muted); font-size: 13px; max-width: 380px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    td a { font-weight: 600; }
    td.user { max-width: 260px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    td.when { white-space: nowrap; }
    .pager { display: flex; gap: 8px; align-items: center; justify-content: flex-end; margin-top: 12px; }
  `];

  constructor() {
    super();
    const s = decodeState((/[#&]q=([^&]*)/.exec(location.hash) || [])[1] || '') || {};
    this.search = s.search || '';
    this.cohort = s.cohort ? String(s.cohort) : '';
    this.cohorts = [];
    this.cursors = [null];
  }

  connectedCallback() {
    super.connectedCallback();
    this.load();
    loadCohorts(this.appId).then(c => { this.cohorts = c; });
  }

  /** Keeps the search and the cohort in the URL, so that a link opens the same list. */
  remember() {
    const state = {};
    if (this.search) state.search = this.search;
    if (this.cohort) state.cohort = this.cohort;
    history.replaceState(null, '', Object.keys(state).length ? `#q=${encodeState(state)}` : location.pathname);
  }

  chose(cohort) {
    this.cohort = cohort;
    this.remember();
    this.cursors = [null];
    this.load();
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this.ctrl?.abort();
    clearTimeout(this.timer);
  }

  typed(value) {
    this.search = value;
    this.remember();
    clearTimeout(this.timer);
    // Debounced: one request when the typing pauses, not one per key.
    this.timer = setTimeout(() => { this.cursors = [null]; this.load(); }, 300);
  }

  async load() {
    this.ctrl?.abort();
    this.ctrl = new AbortController();
    this.loading = true;
    this.error = null;
    const params = new URLSearchParams({app_id: this.appId, limit: String(PAGE)});
    if (this.search.trim()) params.set('search', this.search.trim());
    if (this.cohort) params.set('cohort', this.cohort);
    const cursor = this.cursors[this.cursors.length - 1];
    if (cursor) params.set('cursor', cursor);
    try {
      this.answer = await api(`/api/users?${params}`, {signal: this.ctrl.signal});
      this.loading = false;
    } catch (e) {
      if (isAbort(e)) return;
      this.loading = false;
      this.error = e;
    }
  }

  page(delta) {
    this.cursors = delta > 0 ? [...this.cursors, this.answer.next_cursor] : this.cursors.slice(0, -1);
    this.load();
  }

  render() {
    const a = this.answer;
    const pageNo = this.cursors.length;
    return html`
      <h1>Users</h1>
      <div class="top" role="search">
        <label>Search users
          <input type="search" placeholder="Identity or property value" .value=${this.search}
            @input=${e => this.typed(e.target.value)}></label>
        <label>Cohort
          <select .value=${this.cohort} @change=${e => this.chose(e.target.value)}>
            <option value="">All users</option>
            ${this.cohorts.map(c => html`<option value=${String(c.id)} ?selected=${String(c.id) === this.cohort}>${c.name}</option>`)}
          </select></label>
        ${a ? html`<span class="count" aria-live="polite">${formatNumber(a.total)} ${a.total === 1 ? 'user' : 'users'}</span>` : ''}
      </div>
      ${this.error?.status === 403 ? html`<hs-state kind="empty" message="Seeing users needs the analyst role or higher: ask an admin to change your role."></hs-state>`
        : this.error ? html`<hs-state kind="error" .message=${this.error.message}
          .details=${this.error instanceof ApiError ? this.error.fieldErrors : []} @retry=${() => this.load()}></hs-state>`
        : !a ? html`<hs-state kind="loading" message="Loading users…"></hs-state>`
        : !a.users.length ? html`<hs-state kind="empty" message=${this.search
            ? `No user's identity or properties contain "${this.search}"${this.cohort ? ' in this cohort' : ''}.`
            : this.cohort ? 'This cohort has no members now.' : 'No users yet: they appear with their first event.'}></hs-state>`
        : html`
          <div class="card ${this.loading ? 'dim' : ''}">
            <table>
              <thead><tr><th>User</th><th>Properties</th><th class="num">Events</th><th>First seen</th><th>Last seen</th></tr></thead>
              <tbody>${a.users.map(u => html`<tr>
                <td class="user" title=${userName(u.identity, u.user_key)}>${userLink(this.appId, u.identity, u.user_key)}</td>
                <td class="props" title=${propsText(u.properties)}>${propsText(u.properties) || '–'}</td>
                <td class="num">${formatNumber(u.event_count)}</td>
                <td class="when">${formatWhen(u.first_seen)}</td>
                <td class="when">${formatWhen(u.last_seen)}</td></tr>`)}</tbody>
            </table>
          </div>
          <nav class="pager" aria-label="Pages">
            <button @click=${() => downloadCsv(`users-page-${pageNo}.csv`, userRows(a.users))}>Download CSV</button>
            <span class="muted">Page ${pageNo}</span>
            <button ?disabled=${pageNo === 1} @click=${() => this.page(-1)}>Previous</button>
            <button ?disabled=${!a.next_cursor} @click=${() => this.page(1)}>Next</button>
          </nav>`}`;
  }
}
customElements.define('hs-user-list', HsUserList);

/** A page of users, one CSV row each: the properties as JSON, times as the API gives them. */
export function userRows(users) {
  return [['identity', 'user_key', 'properties', 'event_count', 'first_seen', 'last_seen'],
    ...users.map(u => [u.identity ?? '', u.user_key, JSON.stringify(u.properties || {}), u.event_count, u.first_seen, u.last_seen])];
}

function propsText(p) {
  return Object.entries(p || {}).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`).join(' · ');
}

export class HsUserProfile extends LitElement {
  static properties = {appId: {attribute: 'app-id'}, identity: {}, profile: {state: true}, events: {state: true},
    next: {state: true}, error: {state: true}, role: {state: true}, undoing: {state: true}, notice: {state: true},
    moreLoading: {state: true}};
  static styles = [base, css`
    .back { display: inline-block; margin-bottom: 8px; }
    h1 { word-break: break-all; }
    .grid { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 16px; margin-bottom: 16px; }
    dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
    dt { color: var(--muted); }
    dd { margin: 0; word-break: break-all; }
    h2:first-child { margin-top: 0; }
    ul.devices { margin: 0; padding-left: 18px; }
    .undone { color: var(--muted); }
    td.sel { font-family: var(--mono); font-size: 12px; color: var(--muted); max-width: 300px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .kind { font-size: 12px; font-weight: 600; padding: 1px 6px; border-radius: 4px; background: var(--accent-soft); color: var(--accent-text); }
    .def { display: inline-block; white-space: nowrap; font-size: 12px; padding: 1px 6px; margin: 1px 0; border-radius: 4px; background: var(--ok-bg); color: var(--ok); border: 1px solid #b7e0c2; }
    .note { font-size: 13px; color: var(--muted); margin: 8px 0 0; }
    .more { margin-top: 12px; }
    .ok { color: var(--ok); }
  `];

  connectedCallback() {
    super.connectedCallback();
    this.role = me()?.role || null;
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this.ctrl?.abort();
  }

  updated(changed) {
    if (changed.has('identity') || changed.has('appId')) this.load();
  }

  base() {
    return `/api/users/${encodeURIComponent(this.identity)}`;
  }

  async load() {
    this.ctrl?.abort();
    this.ctrl = new AbortController();
    const signal = this.ctrl.signal;
    this.error = null;
    const app = encodeURIComponent(this.appId);
    try {
      const [profile, page] = await Promise.all([
        api(`${this.base()}?app_id=${app}`, {signal}),
        api(`${this.base()}/events?app_id=${app}&limit=50`, {signal}),
      ]);
      this.profile = profile;
      this.events = page.events;
      this.next = page.next_cursor;
    } catch (e) {
      if (!isAbort(e)) this.error = e;
    }
  }

  async more() {
    this.moreLoading = true;
    try {
      const page = await api(`${this.base()}/events?app_id=${encodeURIComponent(this.appId)}&limit=50&cursor=${encodeURIComponent(this.next)}`,
        {signal: this.ctrl.signal});
      this.events = [...this.events, ...page.events];
      this.next = page.next_cursor;
    } catch (e) {
      if (!isAbort(e)) this.error = e;
    } finally {
      this.moreLoading = false;
    }
  }

  async undo(m) {
    this.undoing = m.id;
    this.notice = null;
    try {
      await api(`${this.base()}/merges/${m.id}/undo?app_id=${encodeURIComponent(this.appId)}`, {method: 'POST'});
      this.notice = `Merge of device ${m.device_id} undone: its events after the merge are the device's own again.`;
      await this.load();
    } catch (e) {
      this.notice = `Could not undo the merge: ${e.message}`;
    } finally {
      this.undoing = null;
    }
  }

  render() {
    const back = html`<a class="back" href=${`/e/${encodeURIComponent(this.appId)}/users`}
      @click=${e => { e.preventDefault(); navigate(`/e/${encodeURIComponent(this.appId)}/users`); }}>← All users</a>`;
    if (this.error?.status === 403) {
      return html`${back}<h1>${this.identity}</h1><hs-state kind="empty"
        message="Seeing users needs the analyst role or higher: ask an admin to change your role."></hs-state>`;
    }
    if (this.error) {
      return html`${back}<h1>${this.identity}</h1><hs-state kind="error" .message=${this.error.message}
        @retry=${() => this.load()}></hs-state>`;
    }
    const p = this.profile;
    if (!p) return html`${back}<h1>${this.identity}</h1><hs-state kind="loading" message="Loading the user…"></hs-state>`;
    const props = Object.entries(p.properties || {});
    const admin = this.role === 'admin';
    return html`${back}
      <h1>${p.identity}</h1>
      <div class="grid">
        <section class="card" aria-labelledby="props-h">
          <h2 id="props-h">Properties</h2>
          ${props.length ? html`<dl>${props.map(([k, v]) => html`<dt>${k}</dt><dd>${typeof v === 'object' ? JSON.stringify(v) : String(v)}</dd>`)}</dl>`
            : html`<p class="muted">No properties: set them with identify or add_user_properties.</p>`}
          <h2>Seen</h2>
          <dl><dt>First seen</dt><dd>${formatWhen(p.first_seen)}</dd><dt>Last seen</dt><dd>${formatWhen(p.last_seen)}</dd></dl>
        </section>
        <section class="card" aria-labelledby="dev-h">
          <h2 id="dev-h">Devices</h2>
          ${p.devices?.length ? html`<ul class="devices">${p.devices.map(d => html`<li><code>${d}</code></li>`)}</ul>`
            : html`<p class="muted">No device: this user's events came from a server.</p>`}
          <h2>Identity merges</h2>
          ${p.merges?.length ? html`<table class="merges">
              <thead><tr><th>Device</th><th>Merged</th><th>Source</th><th><span class="${admin ? '' : 'muted'}">Undo</span></th></tr></thead>
              <tbody>${p.merges.map(m => html`<tr>
                <td><code>${m.device_id}</code></td>
                <td>${formatWhen(m.valid_from || m.created_at)}</td>
                <td>${m.source || '–'}</td>
                <td>${m.undone_at ? html`<span class="undone">Undone ${formatWhen(m.undone_at)}</span>`
                  : admin ? html`<button ?disabled=${this.undoing === m.id} @click=${() => this.undo(m)}
                      aria-label=${`Undo merge of device ${m.device_id}`}>${this.undoing === m.id ? 'Undoing…' : 'Undo'}</button>`
                  : html`<span class="muted">–</span>`}</td></tr>`)}</tbody></table>
              ${admin ? '' : html`<p class="note">Only admins can undo a merge.</p>`}`
            : html`<p class="muted">No merges: no device was identified as this user.</p>`}
          ${this.notice ? html`<p class="note ok" role="status">${this.notice}</p>` : ''}
        </section>
      </div>
      <section class="card" aria-labelledby="ev-h">
        <h2 id="ev-h">Events <span class="muted">(newest first)</span></h2>
        ${this.events.length ? html`<table>
            <thead><tr><th>Time</th><th>Event and definitions</th><th>Page</th><th>Element</th></tr></thead>
            <tbody>${this.events.map(e => html`<tr>
              <td>${formatWhen(e.time)}</td>
              <td><span class="kind">${eventLabel(e)}</span>${(e.definitions || []).map(d => html` <span class="def">${d.name}</span>`)}</td>
              <td>${e.path || '–'}</td>
              <td class="sel" title=${[e.text, e.hierarchy].filter(Boolean).join('\n')}>${e.text ? html`“${e.text}” ` : ''}${e.hierarchy || (e.text ? '' : '–')}</td>
            </tr>`)}</tbody></table>
            ${this.next ? html`<button class="more" ?disabled=${this.moreLoading} @click=${() => this.more()}>${this.moreLoading ? 'Loading…' : 'Load older events'}</button>` : ''}`
          : html`<p class="muted">No events.</p>`}
      </section>`;
  }
}
customElements.define('hs-user-profile', HsUserProfile);

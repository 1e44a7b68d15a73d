// The Dashboards screen: the environment's dashboards (/e/<app>/dashboards) and one dashboard's saved reports in
// a grid, each drawn from its answer (/e/<app>/dashboards/<id>). Viewers read; analysts change their own.
import {LitElement, html, css} from 'lit';
import {api, ApiError, isAbort, mayChange, roleAtLeast} from './api.js';
import {base, downloadCsv} from './ui.js';
import {answerRows, renderAnswer} from './reports.js';
import {graphStateOf} from './graph.js';
import {encodeState} from './ui.js';

/** The dashboard id a path names (/e/<app>/dashboards/<id>), or null for the list. */
function dashboardId(path) {
  const m = /^\/e\/[^/]+\/dashboards\/(\d+)/.exec(path);
  return m ? Number(m[1]) : null;
}

export class HsDashboards extends LitElement {
  static properties = {
    appId: {attribute: 'app-id'}, id: {state: true}, list: {state: true}, board: {state: true},
    error: {state: true}, busy: {state: true},
  };
  static styles = [base, css`
    .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 16px; }
    .tile { display: flex; flex-direction: column; gap: 8px; min-width: 0; }
    .tile header { display: flex; gap: 8px; align-items: baseline; }
    .tile h2 { margin: 0; font-size: 15px; flex: 1; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .tile .tools { display: flex; gap: 4px; }
    .tile .tools button { padding: 2px 8px; font-size: 12px; }
    .scroll { overflow: auto; max-height: 260px; }
    .meta { font-size: 12px; color: var(--muted); }
    .err { color: var(--danger); }
    .top { display: flex; gap: 12px; align-items: baseline; margin-bottom: 16px; }
    .top h1 { margin: 0; flex: 1; }
    form.new { display: flex; gap: 8px; align-items: end; margin-bottom: 16px; }
  `];

  constructor() {
    super();
    this.onPop = () => this.route();
  }

  connectedCallback() {
    super.connectedCallback();
    addEventListener('popstate', this.onPop);
    this.route();
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    removeEventListener('popstate', this.onPop);
    this.ctrl?.abort();
  }

  route() {
    this.id = dashboardId(location.pathname);
    this.load();
  }

  go(id) {
    history.pushState(null, '', `/e/${encodeURIComponent(this.appId)}/dashboards${id ? `/${id}` : ''}`);
    this.route();
  }

  async load() {
    this.ctrl?.abort();
    this.ctrl = new AbortController();
    const signal = this.ctrl.signal;
    const app = encodeURIComponent(this.appId);
    this.error = null;
    try {
      if (this.id == null) {
        this.board = null;
        this.list = (await api(`/api/dashboards?app_id=${app}&limit=200`, {signal})).dashboards;
      } else {
        this.board = null;
        this.board = await api(`/api/dashboards/${this.id}?app_id=${app}&results=true`, {signal});
      }
    } catch (e) {
      if (!isAbort(e)) this.error = e instanceof ApiError ? e.message : 'The server cannot be reached.';
    }
  }

  async create(e) {
    e.preventDefault();
    const name = new FormData(e.target).get('name');
    try {
      const d = await api('/api/dashboards', {method: 'POST', body: {app_id: this.appId, name}});
      this.go(d.id);
    } catch (err) {
      this.error = err instanceof ApiError ? [err.message, ...err.fieldErrors].join(' ') : 'The server cannot be reached.';
    }
  }

  /** Changes the board's reports (order or membership) and reloads it. */
  async setReports(ids) {
    this.busy = true;
    try {
      await api(`/api/dashboards/${this.board.id}`, {method: 'PATCH', body: {app_id: this.appId, report_ids: ids}});
      await this.load();
    } catch (err) {
      this.error = err instanceof ApiError ? err.message : 'The server cannot be reached.';
    } finally {
      this.busy = false;
    }
  }

  async deleteBoard() {
    if (!confirm(`Delete the dashboard "${this.board.name}"? Its reports stay.`)) return;
    await api(`/api/dashboards/${this.board.id}?app_id=${encodeURIComponent(this.appId)}`, {method: 'DELETE'});
    this.go(null);
  }

  render() {
    if (this.error) return html`<hs-state kind="error" .message=${this.error} @retry=${() => this.load()}></hs-state>`;
    return this.id == null ? this.renderList() : this.renderBoard();
  }

  renderList() {
    if (!this.list) return html`<h1>Dashboards</h1><hs-state kind="loading" message="Loading dashboards…"></hs-state>`;
    return html`<h1>Dashboards</h1>
      ${roleAtLeast('analyst') ? html`<form class="new" @submit=${this.create}>
        <label>New dashboard <input name="name" required maxlength="200" placeholder="Growth"></label>
        <button class="primary" type="submit">Create</button></form>` : ''}
      ${this.list.length === 0 ? html`<hs-state kind="empty" message=${roleAtLeast('analyst')
          ? 'No dashboards yet. Create one here, or save a chart from the Graph screen with Save.'
          : 'No dashboards yet. An analyst saves charts to dashboards; they will appear here.'}></hs-state>`
        : html`<table><thead><tr><th scope="col">Name</th><th scope="col" class="num">Reports</th><th scope="col">Description</th></tr></thead>
          <tbody>${this.list.map(d => html`<tr>
            <th scope="row"><a href=${`/e/${encodeURIComponent(this.appId)}/dashboards/${d.id}`}
              @click=${e => { e.preventDefault(); this.go(d.id); }}>${d.name}</a></th>
            <td class="num">${(d.report_ids || []).length}</td><td>${d.description || ''}</td></tr>`)}</tbody></table>`}`;
  }

  renderBoard() {
    const b = this.board;
    if (!b) return html`<hs-state kind="loading" message="Answering the dashboard's reports…"></hs-state>`;
    const editable = mayChange(b.owner);
    const ids = b.reports.map(r => r.id);
    const move = (i, by) => {
      const next = [...ids];
      [next[i], next[i + by]] = [next[i + by], next[i]];
      this.setReports(next);
    };
    return html`<div class="top"><h1>${b.name}</h1>
        <button @click=${() => this.go(null)}>All dashboards</button>
        <button @click=${() => this.load()}>Refresh</button>
        ${editable ? html`<button @click=${this.deleteBoard}>Delete dashboard</button>` : ''}</div>
      ${b.description ? html`<p class="muted">${b.description}</p>` : ''}
      ${b.reports.length === 0 ? html`<hs-state kind="empty" message="This dashboard has no reports yet. Open Graph, ask a question, and Save it to this dashboard."></hs-state>` : ''}
      <div class="grid" aria-busy=${!!this.busy}>${b.reports.map((r, i) => html`<section class="tile card" aria-labelledby=${`r${r.id}`}>
        <header><h2 id=${`r${r.id}`}>${this.link(r)}</h2>
          <span class="tools">
            <button @click=${() => downloadCsv(`${r.name}.csv`, answerRows(r.query, r.result || {}))} ?disabled=${!r.result}
              aria-label=${`Download ${r.name} as CSV`}>CSV</button>
            ${editable ? html`
              <button @click=${() => move(i, -1)} ?disabled=${i === 0 || this.busy} aria-label=${`Move ${r.name} up`}>↑</button>
              <button @click=${() => move(i, 1)} ?disabled=${i === ids.length - 1 || this.busy} aria-label=${`Move ${r.name} down`}>↓</button>
              <button @click=${() => this.setReports(ids.filter(x => x !== r.id))} ?disabled=${this.busy}
                aria-label=${`Remove ${r.name} from the dashboard`}>Remove</button>` : ''}
          </span></header>
        ${r.description ? html`<div class="meta">${r.description}</div>` : ''}
        ${r.error ? html`<div class="err" role="alert">${r.error.detail || r.error.title}</div>`
          : renderAnswer(r.query, r.result || {})}
        <div class="meta">${r.cached ? 'From the cache, computed' : 'Computed'} ${r.computed_at ? new Date(r.computed_at).toLocaleString() : ''}</div>
      </section>`)}</div>`;
  }

  /** A report's title, linking to its screen with its question when that screen can open it. */
  link(r) {
    const state = r.query.kind === 'graph' && roleAtLeast('analyst') ? graphStateOf(r.query) : null;
    return state ? html`<a href=${`/e/${encodeURIComponent(this.appId)}/graph#q=${encodeState(state)}`}>${r.name}</a>` : r.name;
  }
}
customElements.define('hs-dashboards', HsDashboards);

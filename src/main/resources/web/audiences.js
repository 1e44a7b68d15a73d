// The Audience syncs screen (README, "Cohort syncs"): saved cohorts kept in step with a destination's audience by
// scheduled diffs (only who joined and who left is sent), each run logged. Analysts read; architects and admins set
// syncs up, run them now and delete them.
// /e/<app>/audiences, /e/<app>/audiences/<id>, /e/<app>/audiences/new.
import {LitElement, html, nothing} from 'lit';
import {api, isAbort, me, roleAtLeast} from './api.js';
import {base, focusIfLost, formatNumber, SubRoutes} from './ui.js';
import {loadCohorts} from './pickers.js';
import {problemText, registryStyles, when} from './registry-common.js';

const SCHEDULES = [[15, 'Every 15 minutes'], [30, 'Every 30 minutes'], [60, 'Every hour'], [360, 'Every 6 hours'], [1440, 'Every day'],
  [10080, 'Every week']];
/** Destinations whose audiences need the platform's own id (Meta's Custom Audience, HubSpot's list). */
const NEEDS_AUDIENCE = {meta: 'Custom Audience id', hubspot: 'List id', google_ads: 'Customer Match user list id'};

/** A schedule in minutes as words. */
export function scheduleText(minutes) {
  const known = SCHEDULES.find(([m]) => m === minutes);
  if (known) return known[1];
  if (minutes % 1440 === 0) return `Every ${minutes / 1440} days`;
  if (minutes % 60 === 0) return `Every ${minutes / 60} hours`;
  return `Every ${minutes} minutes`;
}

function canChange() {
  return roleAtLeast('architect');
}

/** The cohorts and destinations of an environment by id, for the names the syncs show. */
async function loadNames(appId, signal) {
  const [cohorts, dests] = await Promise.all([loadCohorts(appId, signal),
    api(`/api/environments/${encodeURIComponent(appId)}/destinations`, {signal}).then(d => d.destinations, () => [])]);
  return {cohorts, destinations: dests, cohort: new Map(cohorts.map(c => [c.id, c])), destination: new Map(dests.map(d => [d.id, d]))};
}

function runBadge(run) {
  if (!run) return html`<span class="muted">never run</span>`;
  return html`<span class="badge ${run.status}">${run.status}</span>`;
}

function syncsBase(appId) {
  return `/api/environments/${encodeURIComponent(appId)}/cohort-syncs`;
}

export class HsAudiences extends LitElement {
  static properties = {appId: {attribute: 'app-id'}, path: {}, syncs: {state: true}, names: {state: true}, error: {state: true},
    message: {state: true}, running: {state: true}};
  static styles = [base, registryStyles];

  constructor() {
    super();
    this.routes = new SubRoutes(this, 'audiences');
    this.running = new Set();
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

  async load() {
    this.ctrl?.abort();
    this.ctrl = new AbortController();
    const signal = this.ctrl.signal;
    this.error = null;
    try {
      const [syncs, names] = await Promise.all([api(syncsBase(this.appId), {signal}), loadNames(this.appId, signal)]);
      this.names = names;
      this.syncs = syncs.cohort_syncs;
    } catch (e) {
      if (!isAbort(e)) this.error = e;
    }
  }

  async runNow(s) {
    this.running = new Set([...this.running, s.id]);
    this.message = '';
    try {
      const r = await api(`${syncsBase(this.appId)}/${s.id}/run`, {method: 'POST'});
      this.message = `Sync ${s.id} ran: ${r.status}, ${formatNumber(r.joined)} joined, ${formatNumber(r.left)} left${r.reason ? ` (${r.reason})` : ''}.`;
      await this.load();
    } catch (e) {
      this.message = problemText(e);
    } finally {
      this.running = new Set([...this.running].filter(x => x !== s.id));
    }
  }

  render() {
    const sub = this.routes.sub;
    if (sub) {
      return html`<hs-audience app-id=${this.appId} .syncId=${sub === 'new' ? null : Number(sub)}
        @saved=${e => this.routes.open(String(e.detail.id))} @back=${() => this.routes.open('')}></hs-audience>`;
    }
    const app = encodeURIComponent(this.appId);
    const architect = canChange();
    const open = (e, s) => { e.preventDefault(); this.routes.open(s); };
    const head = html`<div class="top"><h1 tabindex="-1">Audience syncs</h1><span class="spacer"></span>
      ${architect ? html`<a class="new" href=${`/e/${app}/audiences/new`} @click=${e => open(e, 'new')}>New audience sync</a>` : ''}</div>
      <p class="note">A saved cohort kept in step with a destination's audience (a Meta Custom Audience, a Google Ads Customer Match list, a HubSpot list, a webhook): each run sends only who joined
        and who left since the last run the destination accepted.${architect ? '' : ` Architects and admins set syncs up and run them (your role is ${me()?.role || 'unknown'}).`}</p>`;
    if (this.error) return html`${head}<hs-state kind="error" .message=${this.error.message} @retry=${() => this.load()}></hs-state>`;
    if (!this.syncs) return html`${head}<hs-state kind="loading" message="Loading the audience syncs…"></hs-state>`;
    if (!this.syncs.length) {
      return html`${head}<hs-state kind="empty" message=${architect ? 'No cohort is synced yet. Pick a saved cohort and a destination to keep its audience in step.'
        : 'No cohort is synced yet; architects and admins set syncs up.'}"></hs-state>`;
    }
    return html`${head}<p role="status" class="muted" id="message">${this.message || ''}</p>
      <table id="syncs"><thead><tr><th scope="col">Cohort</th><th scope="col">Destination</th><th scope="col">Schedule</th><th scope="col">Last run</th>
        <th scope="col" class="num">Members sent</th><th scope="col">Next run</th><th scope="col"><span class="muted">Action</span></th></tr></thead>
      <tbody>${this.syncs.map(s => {
        const c = this.names.cohort.get(s.cohort_id);
        const d = this.names.destination.get(s.destination_id);
        const r = s.last_run;
        return html`<tr data-id=${s.id}>
          <th scope="row"><a href=${`/e/${app}/audiences/${s.id}`} @click=${e => open(e, String(s.id))}>${c ? c.name : `Cohort ${s.cohort_id}`}</a></th>
          <td>${d ? html`${d.name} <span class="badge">${d.kind}</span>` : html`<span class="muted">destination ${s.destination_id} (deleted)</span>`}
            ${s.audience_id ? html`<small class="muted" style="display:block">audience ${s.audience_id}</small>` : ''}</td>
          <td>${scheduleText(s.schedule_minutes)}</td>
          <td class="last-run">${runBadge(r)}${r ? html` <span class="muted">${when(r.started_at)}</span>
            <small class="muted" style="display:block">${formatNumber(r.joined)} joined, ${formatNumber(r.left)} left</small>` : ''}</td>
          <td class="num members">${formatNumber(s.members_synced)}</td>
          <td class="when">${when(s.next_run_at)}</td>
          <td>${architect ? html`<button aria-label=${`Run the sync of ${c ? c.name : `cohort ${s.cohort_id}`} now`} ?disabled=${this.running.has(s.id)}
            @click=${() => this.runNow(s)}>${this.running.has(s.id) ? 'Running…' : 'Run now'}</button>` : ''}</td></tr>`;
      })}</tbody></table>`;
  }
}
customElements.define('hs-audiences', HsAudiences);

export class HsAudience extends LitElement {
  static properties = {appId: {attribute: 'app-id'}, syncId: {attribute: false}, sync: {state: true}, runs: {state: true},
    names: {state: true}, form: {state: true}, problem: {state: true}, message: {state: true}, busy: {state: true}, loadError: {state: true}};
  static styles = [base, registryStyles];

  connectedCallback() {
    super.connectedCallback();
    this.form = {cohort_id: '', destination_id: '', audience_id: '', schedule_minutes: '60'};
    this.load();
  }

  willUpdate(changed) {
    // Saved as new (or another sync opened): the same element now shows that sync, loaded afresh.
    if (changed.has('syncId') && this.hasUpdated) {
      this.sync = null;
      this.runs = null;
      this.message = '';
      this.focused = false;
      this.load();
    }
  }

  updated() {
    const h = this.renderRoot.querySelector('h1');
    if (h && !this.focused) {
      this.focused = true;
      focusIfLost(h);
    }
  }

  get base() {
    return syncsBase(this.appId);
  }

  async load() {
    try {
      this.names = await loadNames(this.appId);
      if (this.syncId != null) {
        const [sync, runs] = await Promise.all([api(`${this.base}/${this.syncId}`), api(`${this.base}/${this.syncId}/runs?limit=50`)]);
        this.sync = sync;
        this.runs = runs.runs;
      }
    } catch (e) {
      this.loadError = e;
    }
  }

  back() {
    this.dispatchEvent(new CustomEvent('back'));
  }

  async create() {
    this.busy = true;
    this.problem = null;
    const f = this.form;
    const body = {cohort_id: f.cohort_id === '' ? null : Number(f.cohort_id), destination_id: f.destination_id === '' ? null : Number(f.destination_id),
      schedule_minutes: Number(f.schedule_minutes)};
    if (f.audience_id.trim()) body.audience_id = f.audience_id.trim();
    try {
      const s = await api(this.base, {method: 'POST', body});
      this.dispatchEvent(new CustomEvent('saved', {detail: s}));
    } catch (e) {
      this.problem = e;
    } finally {
      this.busy = false;
    }
  }

  async runNow() {
    this.busy = true;
    this.message = '';
    try {
      const r = await api(`${this.base}/${this.syncId}/run`, {method: 'POST'});
      this.message = `Ran: ${r.status}, ${formatNumber(r.joined)} joined, ${formatNumber(r.left)} left${r.reason ? ` (${r.reason})` : ''}.`;
      await this.load();
    } catch (e) {
      this.message = problemText(e);
    } finally {
      this.busy = false;
    }
  }

  async deleteItem() {
    if (!confirm('Delete this audience sync? The destination keeps the audience as it was last sent.')) return;
    try {
      await api(`${this.base}/${this.syncId}`, {method: 'DELETE'});
      this.back();
    } catch (e) {
      this.message = problemText(e);
    }
  }

  render() {
    if (this.loadError) return html`<hs-state kind="error" .message=${this.loadError.message} @retry=${() => { this.loadError = null; this.load(); }}></hs-state>`;
    if (!this.names || (this.syncId != null && !this.sync)) return html`<hs-state kind="loading" message="Loading the audience sync…"></hs-state>`;
    const app = encodeURIComponent(this.appId);
    const top = title => html`<div class="top"><a href=${`/e/${app}/audiences`} @click=${e => { e.preventDefault(); this.back(); }}>← Audience syncs</a>
      <h1 tabindex="-1">${title}</h1></div>`;
    return this.syncId == null ? html`${top('New audience sync')}${this.renderForm()}` : this.renderSync(top);
  }

  renderForm() {
    if (!canChange()) return html`<p class="readonly" id="readonly">Only architects and admins set audience syncs up (your role is ${me()?.role || 'unknown'}).</p>`;
    const f = this.form;
    const set = patch => { this.form = {...f, ...patch}; };
    const dest = this.names.destination.get(Number(f.destination_id));
    const audienceLabel = dest && NEEDS_AUDIENCE[dest.kind];
    const app = encodeURIComponent(this.appId);
    if (!this.names.cohorts.length || !this.names.destinations.length) {
      return html`<hs-state kind="empty" message=${!this.names.cohorts.length ? 'No saved cohort yet: save one first, then sync it.'
        : 'No destination yet: set one up (a webhook, Meta or HubSpot) to sync a cohort to.'}">
        ${!this.names.cohorts.length ? html`<a href=${`/e/${app}/cohorts/new`}>New cohort</a>` : ''}</hs-state>`;
    }
    return html`<form class="card" @submit=${e => { e.preventDefault(); this.create(); }}>
      <fieldset>
        <div class="row">
          <label>Cohort <select name="cohort_id" required .value=${f.cohort_id} @change=${e => set({cohort_id: e.target.value})}>
            <option value="" ?selected=${f.cohort_id === ''}>Choose a cohort…</option>
            ${this.names.cohorts.map(c => html`<option value=${String(c.id)} ?selected=${f.cohort_id === String(c.id)}>${c.name}</option>`)}</select></label>
          <label>Destination <select name="destination_id" required .value=${f.destination_id} @change=${e => set({destination_id: e.target.value})}>
            <option value="" ?selected=${f.destination_id === ''}>Choose a destination…</option>
            ${this.names.destinations.map(d => html`<option value=${String(d.id)} ?disabled=${d.kind === 'ga4'} ?selected=${f.destination_id === String(d.id)}>
              ${d.name} (${d.kind}${d.kind === 'ga4' ? ': no audiences' : ''})</option>`)}</select></label>
          ${audienceLabel ? html`<label>${audienceLabel} <input name="audience_id" required pattern="[A-Za-z0-9_\\-]{1,64}" .value=${f.audience_id}
            @input=${e => set({audience_id: e.target.value})}></label>` : nothing}
          <label>Schedule <select name="schedule_minutes" .value=${f.schedule_minutes} @change=${e => set({schedule_minutes: e.target.value})}>
            ${SCHEDULES.map(([m, l]) => html`<option value=${String(m)} ?selected=${f.schedule_minutes === String(m)}>${l}</option>`)}</select></label>
        </div>
      </fieldset>
      <p class="note">The first run sends every member as joined; later runs send only who joined and who left. Anonymous devices are not sent to Meta or HubSpot.</p>
      ${this.problem ? html`<div role="alert" class="err">${problemText(this.problem)}</div>` : ''}
      <div class="actions"><button class="primary" type="submit" ?disabled=${this.busy}>Create audience sync</button></div>
    </form>`;
  }

  renderSync(top) {
    const s = this.sync;
    const c = this.names.cohort.get(s.cohort_id);
    const d = this.names.destination.get(s.destination_id);
    const architect = canChange();
    const runs = this.runs;
    return html`${top(`${c ? c.name : `Cohort ${s.cohort_id}`} → ${d ? d.name : `destination ${s.destination_id}`}`)}
      <dl class="facts card" id="facts">
        <dt>Cohort</dt><dd>${c ? c.name : `cohort ${s.cohort_id} (deleted)`}</dd>
        <dt>Destination</dt><dd>${d ? html`${d.name} <span class="badge">${d.kind}</span>` : `destination ${s.destination_id} (deleted)`}${s.audience_id ? html`, audience <code>${s.audience_id}</code>` : ''}</dd>
        <dt>Schedule</dt><dd>${scheduleText(s.schedule_minutes)}; next run ${when(s.next_run_at)}</dd>
        <dt>Members sent</dt><dd id="members-synced">${formatNumber(s.members_synced)} <span class="muted">(as the destination last accepted them)</span></dd>
        <dt>User property</dt><dd><code>$user.${s.trait}</code> <span class="muted">true for members, false once they left: segment any analysis by it</span></dd>
      </dl>
      ${architect ? html`<div class="actions"><button class="primary" id="run-now" ?disabled=${this.busy} @click=${this.runNow}>${this.busy ? 'Running…' : 'Run now'}</button>
        <button id="delete" @click=${this.deleteItem}>Delete</button><span role="status" class="muted" id="message">${this.message || ''}</span></div>`
        : html`<p class="readonly" id="readonly">Read-only: architects and admins run and delete syncs (your role is ${me()?.role || 'unknown'}).</p>`}
      <section class="card" aria-labelledby="runs-h"><h2 id="runs-h">Run log</h2>
        ${!runs.length ? html`<hs-state kind="empty" message=${`Not run yet: it runs ${scheduleText(s.schedule_minutes).toLowerCase()}${architect ? ', or now with Run now' : ''}.`}></hs-state>`
        : html`<table id="runs"><thead><tr><th scope="col">Started</th><th scope="col">Status</th><th scope="col" class="num">Joined</th><th scope="col" class="num">Left</th>
            <th scope="col">Answer</th><th scope="col">Error</th><th scope="col">Finished</th></tr></thead>
          <tbody>${runs.map(r => html`<tr data-id=${r.id}><td class="when">${when(r.started_at)}</td><td>${runBadge(r)}</td>
            <td class="num joined">${formatNumber(r.joined)}</td><td class="num left">${formatNumber(r.left)}</td>
            <td>${r.answer_status ? html`HTTP ${r.answer_status}` : html`<span class="muted">–</span>`}${r.answer_body ? html`<details><summary>Body</summary><pre>${r.answer_body}</pre></details>` : ''}</td>
            <td class="reason">${r.reason ? html`<span class="err">${r.reason}</span>` : html`<span class="muted">–</span>`}</td>
            <td class="when">${when(r.finished_at)}</td></tr>`)}</tbody></table>`}
      </section>`;
  }
}
customElements.define('hs-audience', HsAudience);

// The app shell: who is signed in, which environment is open, the left rail and top bar, and the screen the URL
// names (/e/<app id>/<screen>). Screens are custom elements; switching environments keeps the current screen.
import {LitElement, html, css} from 'lit';
import {keyed} from 'lit/directives/keyed.js';
import {api, ApiError, roleAtLeast, setCsrfToken, setMe} from './api.js';
import {base} from './ui.js';
import './login.js';
import {loadCharts} from './chart.js';
import './install.js';
import './graph.js';
import './funnel.js';
import './retention.js';
import './paths.js';
import './dashboards.js';
import './settings.js';
import './users.js';
import './sessions.js';
import './live.js';
import './catalog.js';
import './cohorts.js';
import './label.js';
import './registry.js';
import './destinations.js';
import './audiences.js';

/** The screens, in the rail's order: path segment, label, and the element that renders it. */
const SCREENS = [
  ['graph', 'Graph', appId => html`<hs-graph app-id=${appId}></hs-graph>`],
  ['funnel', 'Funnel', appId => html`<hs-funnel app-id=${appId}></hs-funnel>`],
  ['retention', 'Retention', appId => html`<hs-retention app-id=${appId}></hs-retention>`],
  ['paths', 'Paths', appId => html`<hs-paths app-id=${appId}></hs-paths>`],
  ['dashboards', 'Dashboards', appId => html`<hs-dashboards app-id=${appId}></hs-dashboards>`],
  ['users', 'Users', appId => html`<hs-users app-id=${appId} .path=${location.pathname}></hs-users>`],
  ['sessions', 'Sessions', appId => html`<hs-sessions app-id=${appId}></hs-sessions>`],
  ['cohorts', 'Cohorts', appId => html`<hs-cohorts app-id=${appId} .path=${location.pathname}></hs-cohorts>`],
  ['definitions', 'Definitions', appId => html`<hs-definitions app-id=${appId} .path=${location.pathname}></hs-definitions>`],
  ['live', 'Live events', appId => html`<hs-live app-id=${appId}></hs-live>`],
  ['label', 'Label', appId => html`<hs-label app-id=${appId}></hs-label>`],
  ['registry', 'Registry', appId => html`<hs-registry app-id=${appId} .path=${location.pathname}></hs-registry>`],
  ['destinations', 'Destinations', appId => html`<hs-destinations app-id=${appId} .path=${location.pathname}></hs-destinations>`],
  ['audiences', 'Audience syncs', appId => html`<hs-audiences app-id=${appId} .path=${location.pathname}></hs-audiences>`],
  ['install', 'Install', (appId, env) => html`<hs-install app-id=${appId} .env=${env}></hs-install>`],
  ['settings', 'Settings', appId => html`<hs-settings app-id=${appId}></hs-settings>`],
];

/** The least role a screen is for (README, "Accounts and roles"); a screen not named here is for analysts. */
const SCREEN_ROLES = {dashboards: 'viewer', settings: 'viewer'};

/** The screens the signed-in member's role may use, in the rail's order. */
function screensForRole() {
  return SCREENS.filter(s => roleAtLeast(SCREEN_ROLES[s[0]] || 'analyst'));
}

/** The screen and environment a path names, such as /e/2056689749/graph. */
export function parsePath(path) {
  const m = /^\/e\/([^/]+)(?:\/([^/]+))?/.exec(path);
  return m ? {appId: decodeURIComponent(m[1]), screen: m[2] || 'graph'} : {appId: null, screen: null};
}

export class HsApp extends LitElement {
  static properties = {me: {state: true}, phase: {state: true}, envs: {state: true}, route: {state: true}, error: {state: true}};
  static styles = [base, css`
    :host { display: grid; grid-template-columns: 200px 1fr; grid-template-rows: 52px 1fr; min-height: 100vh; background: var(--bg); }
    header { grid-column: 1 / 3; display: flex; align-items: center; gap: 16px; padding: 0 16px; border-bottom: 1px solid var(--line); background: var(--bg-raised); }
    .brand { font-weight: 700; font-size: 16px; width: 168px; }
    nav { border-right: 1px solid var(--line); padding: 12px 8px; display: flex; flex-direction: column; gap: 2px; background: var(--bg-raised); }
    nav a { display: block; padding: 7px 10px; border-radius: 6px; color: var(--fg); text-decoration: none; }
    nav a[aria-current="page"] { background: var(--accent-soft); color: var(--accent-text); font-weight: 600; }
    nav a:hover { background: var(--accent-soft); }
    main { padding: 24px; min-width: 0; max-width: 1200px; }
    .env { display: inline-flex; flex-direction: row; align-items: center; gap: 8px; font-size: 13px; }
    .tag { font-size: 11px; font-weight: 700; text-transform: uppercase; letter-spacing: .04em; padding: 2px 6px; border-radius: 4px; background: var(--accent-soft); color: var(--accent-text); }
    .tag.production { background: var(--prod-bg); color: var(--prod); }
    .spacer { flex: 1; }
    .who { color: var(--muted); font-size: 13px; }
  `];

  constructor() {
    super();
    this.phase = 'loading';
    this.route = parsePath(location.pathname);
    addEventListener('popstate', () => { this.route = parsePath(location.pathname); });
  }

  connectedCallback() {
    super.connectedCallback();
    this.start();
  }

  async start() {
    const invite = /^\/invite\/([^/]+)/.exec(location.pathname);
    if (invite) {
      this.invite = decodeURIComponent(invite[1]);
      this.phase = 'invite';
      return;
    }
    try {
      // Both at once: the environments answer 401 too when nobody is signed in.
      const envs = api('/api/environments');
      envs.catch(() => {});
      const me = await api('/api/me');
      await this.signedIn(me, envs);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        const setup = await api('/api/setup').catch(() => ({}));
        this.phase = setup.admin_exists === false ? 'setup' : 'login';
      } else {
        this.error = e.message;
        this.phase = 'error';
      }
    }
  }

  async signedIn(me, envs = api('/api/environments')) {
    loadCharts();
    // The sign-in answer names the role inside the account; GET /api/me also at the top.
    this.me = {...me, role: me.role || me.account?.role};
    setMe(this.me);
    setCsrfToken(me.csrf_token);
    this.envs = (await envs).environments;
    if (!this.route.appId || !this.envs.some(e => e.app_id === this.route.appId)) {
      const first = this.envs.find(e => e.name === 'production') || this.envs[0];
      if (first) this.go(first.app_id, this.route.screen || screensForRole()[0][0], true);
    }
    this.phase = 'app';
  }

  go(appId, screen, replace = false) {
    const path = `/e/${encodeURIComponent(appId)}/${screen}`;
    if (replace) history.replaceState(null, '', path);
    else history.pushState(null, '', path);
    this.route = {appId, screen};
    // Screens with places of their own (a dashboard, a user) follow the address as on back and forward.
    dispatchEvent(new PopStateEvent('popstate'));
  }

  async logout() {
    await api('/api/logout', {method: 'POST'}).catch(() => {});
    setCsrfToken(null);
    setMe(null);
    this.me = null;
    this.phase = 'login';
  }

  render() {
    switch (this.phase) {
      case 'loading': return html`<hs-state kind="loading" message="Loading Hindsight…" style="grid-column:1/3"></hs-state>`;
      case 'error': return html`<hs-state kind="error" .message=${`Hindsight cannot start: ${this.error}`} style="grid-column:1/3"
        @retry=${() => { this.phase = 'loading'; this.start(); }}></hs-state>`;
      case 'invite':
      case 'setup':
      case 'login': return html`<hs-login style="grid-column:1/3;grid-row:1/3" ?setup=${this.phase === 'setup'}
        .invite=${this.phase === 'invite' ? this.invite : null}
        @signed-in=${e => this.signedIn(e.detail)}></hs-login>`;
      default: return this.renderApp();
    }
  }

  renderApp() {
    const env = this.envs.find(e => e.app_id === this.route.appId);
    const screens = screensForRole();
    const screen = screens.find(s => s[0] === this.route.screen) || screens[0];
    return html`
      <header>
        <span class="brand">Hindsight</span>
        <label class="env">Environment
          <select aria-label="Environment" @change=${e => this.go(e.target.value, screen[0])}>
            ${this.envs.map(e => html`<option value=${e.app_id} ?selected=${e.app_id === this.route.appId}>${e.project} ▸ ${e.name}</option>`)}
          </select></label>
        ${env ? html`<span class="tag ${env.name}">${env.name}</span>` : ''}
        <span class="spacer"></span>
        <span class="who">${this.me?.account?.email || ''}</span>
        <button @click=${this.logout}>Sign out</button>
      </header>
      <nav aria-label="Screens">
        ${screens.map(([key, label]) => html`<a href=${`/e/${encodeURIComponent(this.route.appId)}/${key}`}
          aria-current=${key === screen[0] ? 'page' : 'false'}
          @click=${e => { e.preventDefault(); this.go(this.route.appId, key); }}>${label}</a>`)}
      </nav>
      <main>${env ? keyed(`${env.app_id}/${screen[0]}`, screen[2](env.app_id, env)) : html`<hs-state kind="empty" message="No environment: create a project first."></hs-state>`}</main>`;
  }
}
customElements.define('hs-app', HsApp);

// The Settings screen: your personal API tokens (everyone), and for admins the members and their roles, invites
// by one-time link, and the environment's keys. Secrets are shown once, when made, with a copy button.
import {LitElement, html, css} from 'lit';
import {api, ApiError, me, roleAtLeast} from './api.js';
import {base} from './ui.js';

const ROLES = [['viewer', 'Viewer: dashboards only'], ['analyst', 'Analyst: analyse, save own reports'],
  ['architect', 'Architect: also definitions and cohorts'], ['admin', 'Admin: also keys, members, environments']];

function message(e) {
  return e instanceof ApiError ? [e.message, ...e.fieldErrors].join(' ') : 'The server cannot be reached.';
}

export class HsSettings extends LitElement {
  static properties = {
    appId: {attribute: 'app-id'}, tokens: {state: true}, members: {state: true}, env: {state: true},
    secret: {state: true}, error: {state: true}, note: {state: true}, reveal: {state: true},
  };
  static styles = [base, css`
    section { margin-bottom: 28px; }
    form { display: flex; gap: 8px; align-items: end; flex-wrap: wrap; margin: 8px 0 12px; }
    .secret { display: flex; gap: 8px; align-items: center; padding: 10px 12px; border: 1px solid var(--ok);
      background: var(--ok-bg); border-radius: 8px; margin: 8px 0; flex-wrap: wrap; }
    .secret code { word-break: break-all; }
    .err { color: var(--danger); }
    dl { display: grid; grid-template-columns: max-content 1fr; gap: 6px 16px; align-items: center; }
    dd { margin: 0; display: flex; gap: 8px; align-items: center; }
  `];

  connectedCallback() {
    super.connectedCallback();
    this.load();
  }

  async load() {
    this.error = '';
    try {
      this.tokens = (await api('/api/tokens')).tokens;
      if (roleAtLeast('admin')) {
        this.members = (await api('/api/members')).members;
        this.env = await api(`/api/environments/${encodeURIComponent(this.appId)}`);
      }
    } catch (e) {
      this.error = message(e);
    }
  }

  /** Runs a change, then reloads; a failure is shown at the top of the screen. */
  async act(work) {
    this.error = '';
    try {
      await work();
      await this.load();
    } catch (e) {
      this.error = message(e);
    }
  }

  show(label, value) {
    this.secret = {label, value};
  }

  async copy() {
    await navigator.clipboard.writeText(this.secret.value);
    this.note = 'Copied';
  }

  render() {
    const admin = roleAtLeast('admin');
    return html`<h1>Settings</h1>
      ${this.error ? html`<p class="err" role="alert">${this.error}</p>` : ''}
      ${this.secret ? html`<div class="secret" role="status"><strong>${this.secret.label}</strong>
        <code id="secret">${this.secret.value}</code><button @click=${this.copy}>Copy</button>
        <span class="muted">${this.note || 'Shown only now: copy it before you leave this page.'}</span>
        <button @click=${() => { this.secret = null; this.note = ''; }}>Done</button></div>` : ''}
      ${this.renderTokens()}
      ${admin ? this.renderMembers() : ''}
      ${admin ? this.renderEnvironment() : ''}`;
  }

  renderTokens() {
    const account = me()?.account;
    if (!account) return html`<section><h2>API tokens</h2><p class="muted">Signed in with the admin token, which has no tokens of its own.</p></section>`;
    return html`<section aria-labelledby="tokens"><h2 id="tokens">Your API tokens</h2>
      <p class="muted">A token acts as you, with your role, for scripts: send <code>Authorization: Bearer hs_pat_…</code>.</p>
      <form @submit=${e => { e.preventDefault(); const name = new FormData(e.target).get('name'); e.target.reset();
          this.act(async () => { const t = await api('/api/tokens', {method: 'POST', body: {name}}); this.show(`Token "${t.name}"`, t.token); }); }}>
        <label>Token name <input name="name" required maxlength="100" placeholder="nightly export"></label>
        <button class="primary" type="submit">Create token</button></form>
      ${!this.tokens ? html`<hs-state kind="loading"></hs-state>` : this.tokens.length === 0 ? html`<p class="muted">No tokens yet.</p>`
        : html`<table><thead><tr><th scope="col">Name</th><th scope="col">Created</th><th scope="col"><span class="muted">Actions</span></th></tr></thead>
          <tbody>${this.tokens.map(t => html`<tr><th scope="row">${t.name}</th><td>${new Date(t.created_at).toLocaleString()}</td>
            <td><button aria-label=${`Delete token ${t.name}`} @click=${() => this.act(() => api(`/api/tokens/${t.id}`, {method: 'DELETE'}))}>Delete</button></td></tr>`)}</tbody></table>`}
    </section>`;
  }

  renderMembers() {
    const self = me()?.account?.id;
    return html`<section aria-labelledby="members"><h2 id="members">Members</h2>
      <form @submit=${e => { e.preventDefault(); const f = new FormData(e.target); e.target.reset();
          this.act(async () => {
            const i = await api('/api/invites', {method: 'POST', body: {email: f.get('email'), role: f.get('role')}});
            this.show(`Invite link for ${i.email} (${i.role}), valid once until ${new Date(i.expires_at).toLocaleString()}:`,
              i.url || `${location.origin}/invite/${i.token}`);
          }); }}>
        <label>Email <input name="email" type="email" required maxlength="254" placeholder="bob@example.com"></label>
        <label>Role <select name="role">${ROLES.map(([v, l]) => html`<option value=${v} ?selected=${v === 'analyst'}>${l}</option>`)}</select></label>
        <button class="primary" type="submit">Invite</button></form>
      ${!this.members ? html`<hs-state kind="loading"></hs-state>` : html`<table>
        <thead><tr><th scope="col">Member</th><th scope="col">Role</th><th scope="col"><span class="muted">Actions</span></th></tr></thead>
        <tbody>${this.members.map(m => html`<tr><th scope="row">${m.name ? html`${m.name} <span class="muted">${m.email}</span>` : m.email}</th>
          <td><select aria-label=${`Role of ${m.email}`} @change=${e => this.act(() => api(`/api/members/${m.id}`, {method: 'PATCH', body: {role: e.target.value}}))}>
            ${ROLES.map(([v]) => html`<option value=${v} ?selected=${m.role === v}>${v}</option>`)}</select></td>
          <td>${m.id === self ? html`<span class="muted">You</span>` : html`<button aria-label=${`Remove ${m.email}`}
            @click=${() => confirm(`Remove ${m.email}? Their sessions and tokens end.`) && this.act(() => api(`/api/members/${m.id}`, {method: 'DELETE'}))}>Remove</button>`}</td></tr>`)}</tbody>
      </table>`}</section>`;
  }

  renderEnvironment() {
    const e = this.env;
    if (!e) return '';
    return html`<section aria-labelledby="env"><h2 id="env">This environment: ${e.name}</h2>
      <dl>
        <dt>App id</dt><dd><code>${e.app_id}</code> <span class="muted">public: it is in every page with the snippet</span></dd>
        <dt>Secret key</dt><dd><code id="secret-key">${this.reveal ? e.secret_key : '•'.repeat(24)}</code>
          <button @click=${() => { this.reveal = !this.reveal; }} aria-pressed=${!!this.reveal}>${this.reveal ? 'Hide' : 'Reveal'}</button>
          <button @click=${() => confirm('Rotate the secret key? Servers using the old one are refused at once.')
            && this.act(async () => { const n = await api(`/api/environments/${encodeURIComponent(this.appId)}/rotate-key`, {method: 'POST'});
              this.show('New secret key', n.secret_key); })}>Rotate key</button></dd>
        <dt>Allowed origins</dt><dd>${e.allow_any_origin ? 'any' : (e.allowed_origins || []).join(', ') || 'none'}</dd>
      </dl></section>`;
  }
}
customElements.define('hs-settings', HsSettings);

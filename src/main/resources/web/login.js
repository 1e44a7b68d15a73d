// First run (create the first admin) and sign-in. Both post to the accounts API and hand the account to the app.
import {LitElement, html, css} from 'lit';
import {api, ApiError} from './api.js';
import {base} from './ui.js';

export class HsLogin extends LitElement {
  static properties = {setup: {type: Boolean}, invite: {}, error: {state: true}, busy: {state: true}};
  static styles = [base, css`
    :host { display: grid; place-items: center; min-height: 100vh; background: var(--bg); }
    form { width: min(360px, 92vw); display: flex; flex-direction: column; gap: 14px; }
    label { font-size: 13px; color: var(--fg); }
    input { padding: 8px 10px; }
    .brand { font-weight: 700; font-size: 22px; margin-bottom: 4px; }
    .err { color: var(--danger); min-height: 1.2em; }
  `];

  render() {
    if (this.invite) return this.renderInvite();
    const title = this.setup ? 'Create the first admin account' : 'Sign in';
    return html`<form class="card" @submit=${this.submit} aria-labelledby="t">
      <div class="brand">Hindsight</div>
      <h1 id="t">${title}</h1>
      ${this.setup ? html`<p class="muted">Nobody has an account yet. The account you create now administers this server.</p>
        <label>Name <input name="name" autocomplete="name"></label>` : ''}
      <label>Email <input name="email" type="email" required autocomplete="username"></label>
      <label>Password <input name="password" type="password" required minlength=${this.setup ? 10 : 1}
        autocomplete=${this.setup ? 'new-password' : 'current-password'}></label>
      ${this.setup ? html`<span class="muted">At least 10 characters.</span>` : ''}
      <div class="err" role="alert">${this.error || ''}</div>
      <button class="primary" type="submit" ?disabled=${this.busy}>${this.setup ? 'Create account' : 'Sign in'}</button>
    </form>`;
  }

  /** An invite link (/invite/<token>): the invited member picks a name and a password, and is signed in. */
  renderInvite() {
    return html`<form class="card" @submit=${this.accept} aria-labelledby="t">
      <div class="brand">Hindsight</div>
      <h1 id="t">Join Hindsight</h1>
      <p class="muted">You were invited. Choose your password to create your account.</p>
      <label>Name <input name="name" autocomplete="name"></label>
      <label>Password <input name="password" type="password" required minlength="10" autocomplete="new-password"></label>
      <span class="muted">At least 10 characters.</span>
      <div class="err" role="alert">${this.error || ''}</div>
      <button class="primary" type="submit" ?disabled=${this.busy}>Create account</button>
    </form>`;
  }

  async accept(e) {
    e.preventDefault();
    const form = new FormData(e.target);
    const body = {password: form.get('password')};
    if (form.get('name')) body.name = form.get('name');
    await this.post(`/api/invites/${encodeURIComponent(this.invite)}/accept`, body);
  }

  async post(path, body) {
    this.busy = true;
    this.error = '';
    try {
      const me = await api(path, {method: 'POST', body});
      this.dispatchEvent(new CustomEvent('signed-in', {detail: me, bubbles: true, composed: true}));
    } catch (err) {
      if (err instanceof ApiError && err.status === 429) {
        this.error = err.message;
      } else if (err instanceof ApiError && (err.status === 404 || err.status === 410)) {
        this.error = `${err.message} This invite link cannot be used; ask an admin for a new one.`;
      } else {
        this.error = err instanceof ApiError ? [err.message, ...err.fieldErrors].join(' ') : 'The server cannot be reached.';
      }
    } finally {
      this.busy = false;
    }
  }

  async submit(e) {
    e.preventDefault();
    const form = new FormData(e.target);
    const body = {email: form.get('email'), password: form.get('password')};
    if (this.setup && form.get('name')) body.name = form.get('name');
    await this.post(this.setup ? '/api/setup' : '/api/login', body);
  }
}
customElements.define('hs-login', HsLogin);

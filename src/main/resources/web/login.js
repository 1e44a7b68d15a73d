// First run (create the first admin) and sign-in. Both post to the accounts API and hand the account to the app.
import {LitElement, html, css} from 'lit';
import {api, ApiError} from './api.js';
import {base} from './ui.js';

export class HsLogin extends LitElement {
  static properties = {setup: {type: Boolean}, error: {state: true}, busy: {state: true}};
  static styles = [base, css`
    :host { display: grid; place-items: center; min-height: 100vh; background: var(--bg); }
    form { width: min(360px, 92vw); display: flex; flex-direction: column; gap: 14px; }
    label { font-size: 13px; color: var(--fg); }
    input { padding: 8px 10px; }
    .brand { font-weight: 700; font-size: 22px; margin-bottom: 4px; }
    .err { color: var(--danger); min-height: 1.2em; }
  `];

  render() {
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

  async submit(e) {
    e.preventDefault();
    const form = new FormData(e.target);
    const body = {email: form.get('email'), password: form.get('password')};
    if (this.setup && form.get('name')) body.name = form.get('name');
    this.busy = true;
    this.error = '';
    try {
      const me = await api(this.setup ? '/api/setup' : '/api/login', {method: 'POST', body});
      this.dispatchEvent(new CustomEvent('signed-in', {detail: me, bubbles: true, composed: true}));
    } catch (err) {
      if (err instanceof ApiError && err.status === 429) {
        this.error = err.message;
      } else {
        this.error = err instanceof ApiError ? [err.message, ...err.fieldErrors].join(' ') : 'The server cannot be reached.';
      }
    } finally {
      this.busy = false;
    }
  }
}
customElements.define('hs-login', HsLogin);

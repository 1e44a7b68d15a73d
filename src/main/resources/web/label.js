// The Label screen: a short-lived labeling link to a page of the site, which opens it with the visual labeling
// toolbar (see the README's "Visual labeling"): point at a button, see its selector and past clicks, save a definition.
import {LitElement, html, css} from 'lit';
import {api} from './api.js';
import {base} from './ui.js';

const KEY = appId => `hs.label.url.${appId}`;

export class HsLabel extends LitElement {
  static properties = {
    appId: {attribute: 'app-id'}, url: {state: true}, link: {state: true}, busy: {state: true},
    error: {state: true}, fieldError: {state: true}, copied: {state: true},
  };
  static styles = [base, css`
    form { display: flex; gap: 12px; align-items: end; flex-wrap: wrap; margin: 12px 0 16px; }
    form label { flex: 1 1 360px; max-width: 560px; }
    .field-error { color: var(--danger); font-size: 12px; }
    .field-error:empty { display: none; }
    .link { display: flex; flex-direction: column; gap: 10px; }
    .link a.open { font-weight: 600; font-size: 15px; }
    .actions { display: flex; gap: 12px; align-items: center; flex-wrap: wrap; }
    ol { padding-left: 20px; margin: 8px 0; } li { margin: 4px 0; }
    .error { color: var(--danger); }
  `];

  connectedCallback() {
    super.connectedCallback();
    try { this.url = localStorage.getItem(KEY(this.appId)) || ''; } catch { this.url = ''; }
  }

  async submit(e) {
    e.preventDefault();
    this.busy = true;
    this.error = this.fieldError = '';
    this.link = null;
    try {
      this.link = await api(`/api/environments/${encodeURIComponent(this.appId)}/labeling`,
        {method: 'POST', body: {url: this.url.trim()}});
      try { localStorage.setItem(KEY(this.appId), this.url.trim()); } catch { /* private mode */ }
    } catch (err) {
      const f = (err.problem?.errors || []).find(x => x.field === 'url');
      if (f) this.fieldError = `The address ${f.message}`;
      else if (err.status === 403) this.error = 'Labeling needs the role architect or admin. Ask an admin to change your role.';
      else this.error = `No link: ${err.message}`;
    } finally {
      this.busy = false;
    }
  }

  async copy() {
    await navigator.clipboard.writeText(this.link.url);
    this.copied = true;
    setTimeout(() => { this.copied = false; }, 2000);
  }

  render() {
    const until = this.link && new Date(this.link.expires_at).toLocaleTimeString([], {hour: '2-digit', minute: '2-digit'});
    return html`<h1>Label events on your site</h1>
      <p>Open a page of your site with the labeling toolbar: point at a button or link to see the selector Hindsight
      proposes and how many past clicks match it, then click it to save it as an event, for all past data.</p>
      <form @submit=${this.submit} novalidate>
        <label>Page of your site (with the snippet installed)
          <input type="url" name="url" required placeholder="https://shop.example.com/products" .value=${this.url || ''}
            aria-invalid=${this.fieldError ? 'true' : 'false'} aria-describedby="url-error"
            @input=${e => { this.url = e.target.value; }}>
          <span id="url-error" class="field-error">${this.fieldError || ''}</span>
        </label>
        <button class="primary" type="submit" ?disabled=${this.busy || !this.url?.trim()}>${this.busy ? 'Getting a link…' : 'Get labeling link'}</button>
      </form>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
      ${this.link ? html`<div class="card link" role="status">
          <div class="actions">
            <a class="open" href=${this.link.url} target="_blank" rel="noopener">Open the site with the toolbar</a>
            <button type="button" @click=${this.copy}>${this.copied ? 'Copied' : 'Copy link'}</button>
          </div>
          <span class="muted">The link works until ${until} and only for you; anyone you send it to acts as you.</span>
        </div>` : ''}
      <h2>How it works</h2>
      <ol>
        <li>The link carries a token in its <code>#fragment</code>, which never reaches your site's server; the tracker
          removes it from the address bar and loads the toolbar from Hindsight.</li>
        <li>The toolbar proposes stable selectors (ids, <code>data-hs-id</code>, <code>data-testid</code>, <code>name</code>,
          <code>aria-label</code>) over generated class names, so the event survives redesigns.</li>
        <li>Saved events are drafts: review them with the other definitions. The count the toolbar shows is the one analyses count.</li>
        <li>The site's origin must be allowed for this environment (admins set allowed origins), as for the tracker's events.</li>
      </ol>`;
  }
}
customElements.define('hs-label', HsLabel);

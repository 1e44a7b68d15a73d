// The Install screen: the environment's snippet with a copy button, what its options do, a check that turns green
// when the first event arrives, and a ready curl for the server-side API.
import {LitElement, html, css} from 'lit';
import {api, isAbort} from './api.js';
import {base} from './ui.js';

export class HsInstall extends LitElement {
  static properties = {
    appId: {attribute: 'app-id'}, env: {attribute: false}, snippet: {state: true}, note: {state: true},
    events: {state: true}, error: {state: true}, copied: {state: true},
  };
  static styles = [base, css`
    .check { display: flex; gap: 10px; align-items: center; padding: 12px 16px; border-radius: 8px; border: 1px solid var(--line); margin: 12px 0; }
    .dot { width: 12px; height: 12px; border-radius: 50%; background: var(--muted); flex: none; }
    .check.ok { border-color: var(--ok); background: var(--ok-bg); }
    .check.ok .dot { background: var(--ok); }
    .waiting .dot { animation: pulse 1.4s ease-in-out infinite; }
    @keyframes pulse { 50% { opacity: .3; } }
    dl { display: grid; grid-template-columns: max-content 1fr; gap: 6px 16px; }
    dt { font-family: var(--mono); font-size: 12.5px; }
    dd { margin: 0; }
  `];

  connectedCallback() {
    super.connectedCallback();
    this.ctrl = new AbortController();
    this.load();
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this.ctrl.abort();
    clearTimeout(this.timer);
  }

  async load() {
    const signal = this.ctrl.signal;
    try {
      const r = await fetch(`/api/environments/${encodeURIComponent(this.appId)}/snippet`, {credentials: 'same-origin', signal});
      if (!r.ok) throw new Error((await r.json().catch(() => ({}))).detail || `HTTP ${r.status}`);
      const text = await r.text();
      // The server adds a comment line when HINDSIGHT_PUBLIC_URL is not set: show it as a note, not as code.
      this.snippet = text;
      this.note = /HINDSIGHT_PUBLIC_URL/.test(text) ? 'HINDSIGHT_PUBLIC_URL is not set, so this snippet only works on this machine.' : '';
    } catch (e) {
      if (!isAbort(e)) this.error = `The snippet could not be loaded: ${e.message}`;
    }
    this.poll();
  }

  async poll() {
    try {
      const a = await api(`/api/environments/${encodeURIComponent(this.appId)}/activity`, {signal: this.ctrl.signal});
      this.events = a.events;
    } catch (e) {
      if (isAbort(e)) return;
    }
    if (!this.events) this.timer = setTimeout(() => this.poll(), 2000);
  }

  async copy() {
    await navigator.clipboard.writeText(this.snippet);
    this.copied = true;
    setTimeout(() => { this.copied = false; }, 2000);
  }

  render() {
    const arrived = this.events > 0;
    const origin = location.origin;
    return html`<h1>Install the tracker</h1>
      <p>Paste this into the <code>&lt;head&gt;</code> of every page of your site. It captures pageviews, clicks,
      form submissions and field changes without any other code; you name events later, for all past data.</p>
      ${this.error ? html`<hs-state kind="error" .message=${this.error} @retry=${() => this.load()}></hs-state>` : ''}
      <div class="card">
        <pre id="snippet" aria-label="Snippet">${this.snippet || 'Loading…'}</pre>
        <button class="primary" @click=${this.copy} ?disabled=${!this.snippet}>${this.copied ? 'Copied' : 'Copy snippet'}</button>
        ${this.note ? html`<p class="muted">${this.note}</p>` : ''}
      </div>
      <div class="check ${arrived ? 'ok' : 'waiting'}" role="status" aria-live="polite" id="check">
        <span class="dot" aria-hidden="true"></span>
        ${arrived ? html`<strong>Events are arriving</strong>: ${this.events.toLocaleString('en-US')} so far in this environment.`
            : html`Waiting for the first event… Open a page of your site with the snippet; this turns green when it arrives.`}
      </div>
      <h2>Options</h2>
      <dl>
        <dt>hindsight.identify(id)</dt><dd>Names the current visitor as a user of yours (after sign-up or login); earlier anonymous events join them.</dd>
        <dt>hindsight.track(name, props)</dt><dd>Sends a custom event, such as <code>Purchase Completed</code> with <code>{revenue: 49}</code>.</dd>
        <dt>hindsight.addUserProperties(props)</dt><dd>Sets properties of the current user (plan, company).</dd>
        <dt>hindsight.addEventProperties(props)</dt><dd>Adds properties to every later event of this page.</dd>
        <dt>hindsight.stopTracking()</dt><dd>Stops capturing (for a visitor who declined); what was captured before is still delivered.</dd>
      </dl>
      <h2>From your servers</h2>
      <p>Send events with the environment's secret key (Settings shows it to admins):</p>
      <pre>curl -X POST ${origin}/api/track -H "Authorization: Bearer $SECRET_KEY" -H "Content-Type: application/json" \\
  -d '{"app_id": "${this.appId}", "identity": "alice@example.com", "event": "Purchase Completed", "properties": {"revenue": 49}}'</pre>`;
  }
}
customElements.define('hs-install', HsInstall);

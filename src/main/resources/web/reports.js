// Saved reports: the "Save" form every analysis screen offers, and how a saved report's answer is drawn on a
// dashboard (a compact chart or table per kind of analysis).
import {LitElement, html, css} from 'lit';
import {api, ApiError} from './api.js';
import {base, formatNumber} from './ui.js';
import {formatTime} from './pickers.js';
import './chart.js';

/**
 * The "Save as report" form: a name, a description and, optionally, a dashboard to add the report to (an
 * existing one or a new one). Fires `saved` with {report, dashboard}.
 */
export class HsSaveReport extends LitElement {
  static properties = {
    appId: {attribute: 'app-id'}, query: {attribute: false}, open: {state: true}, dashboards: {state: true},
    error: {state: true}, busy: {state: true}, done: {state: true},
  };
  static styles = [base, css`
    :host { display: inline-block; position: relative; }
    form { position: absolute; right: 0; top: calc(100% + 6px); z-index: 5; width: 320px; display: flex;
      flex-direction: column; gap: 10px; box-shadow: 0 6px 24px rgba(0, 0, 0, .12); }
    label { color: var(--fg); }
    .err { color: var(--danger); }
    .ok { color: var(--ok); font-size: 13px; margin-left: 8px; }
    .actions { display: flex; gap: 8px; justify-content: flex-end; }
  `];

  async toggle() {
    this.open = !this.open;
    this.error = '';
    if (this.open) {
      this.dashboards = null;
      try {
        this.dashboards = (await api(`/api/dashboards?app_id=${encodeURIComponent(this.appId)}&limit=200`)).dashboards;
      } catch (e) {
        this.dashboards = [];
      }
      await this.updateComplete;
      this.renderRoot.querySelector('input[name=name]')?.focus();
    }
  }

  async submit(e) {
    e.preventDefault();
    const form = new FormData(e.target);
    const body = {app_id: this.appId, name: form.get('name'), query: this.query};
    if (form.get('description')) body.description = form.get('description');
    this.busy = true;
    this.error = '';
    try {
      const report = await api('/api/reports', {method: 'POST', body});
      let dashboard = null;
      const target = form.get('dashboard');
      if (target === 'new') {
        dashboard = await api('/api/dashboards', {method: 'POST', body: {app_id: this.appId,
          name: form.get('dashboard_name') || 'My dashboard', report_ids: [report.id]}});
      } else if (target) {
        dashboard = await api(`/api/dashboards/${target}/reports`, {method: 'POST', body: {app_id: this.appId, report_id: report.id}});
      }
      this.open = false;
      this.done = dashboard ? `Saved to ${dashboard.name}` : 'Saved';
      this.dispatchEvent(new CustomEvent('saved', {detail: {report, dashboard}, bubbles: true, composed: true}));
    } catch (err) {
      this.error = err instanceof ApiError ? [err.message, ...err.fieldErrors].join(' ') : 'The server cannot be reached.';
    } finally {
      this.busy = false;
    }
  }

  render() {
    return html`<button @click=${this.toggle} aria-expanded=${!!this.open} ?disabled=${!this.query}>Save</button>
      ${this.done ? html`<span class="ok" role="status">${this.done}</span>` : ''}
      ${this.open ? html`<form class="card" @submit=${this.submit} @keydown=${e => { if (e.key === 'Escape') this.open = false; }}
          aria-label="Save as report">
        <label>Name <input name="name" required maxlength="200"></label>
        <label>Description <input name="description" maxlength="2000"></label>
        <label>Add to dashboard
          <select name="dashboard" @change=${e => { this.newDashboard = e.target.value === 'new'; this.requestUpdate(); }}>
            <option value="">None</option>
            ${(this.dashboards || []).map(d => html`<option value=${d.id}>${d.name}</option>`)}
            <option value="new">New dashboard…</option>
          </select></label>
        ${this.newDashboard ? html`<label>New dashboard's name <input name="dashboard_name" required maxlength="200"></label>` : ''}
        <div class="err" role="alert">${this.error || ''}</div>
        <div class="actions"><button type="button" @click=${() => { this.open = false; }}>Cancel</button>
          <button class="primary" type="submit" ?disabled=${this.busy}>Save report</button></div>
      </form>` : ''}`;
  }
}
customElements.define('hs-save-report', HsSaveReport);

/** The rows of a saved report's answer as a table: a header row, then the values. */
export function answerRows(query, result) {
  switch (query.kind) {
    case 'graph': {
      const lines = [...(result.series || []).map(s => ({name: `${s.label}${s.breakdown != null ? ` · ${s.breakdown}` : ''}`, points: s.points})),
        ...(result.formulas || []).map(f => ({name: f.name, points: f.points}))];
      const times = lines[0]?.points.map(p => p.t) || [];
      return [['Time', ...lines.map(l => l.name)],
        ...times.map((t, i) => [formatTime(t, query.interval), ...lines.map(l => l.points[i]?.value)])];
    }
    case 'funnel':
      return [['Step', 'Users', 'Conversion'], ...(result.steps || []).map(s => [s.label, s.count,
        `${(100 * (s.conversion || 0)).toFixed(1)}%`])];
    case 'retention': {
      const n = Math.max(0, ...(result.cohorts || []).map(c => (c.rates || []).length));
      return [['Cohort', 'Users', ...Array.from({length: n}, (_, i) => `${query.period || 'day'} ${i}`)],
        ...(result.cohorts || []).map(c => [formatTime(c.start, 'day'), c.users,
          ...(c.rates || []).map(r => (r == null ? null : `${(100 * r).toFixed(1)}%`))])];
    }
    case 'paths':
      return [['From', 'To', 'Count'], ...(result.edges || []).map(e => {
        const label = id => (result.nodes || []).find(n => n.id === id)?.label ?? id;
        return [label(e.source), label(e.target), e.count];
      })];
    default: {
      const list = result.users || result.sessions || [];
      const keys = list.length ? Object.keys(list[0]).filter(k => typeof list[0][k] !== 'object').slice(0, 5) : [];
      return [keys, ...list.slice(0, 20).map(x => keys.map(k => x[k]))];
    }
  }
}

/** A saved report's answer drawn small: a line chart for graphs, bars for funnels, a table otherwise. */
export function renderAnswer(query, result) {
  if (query.kind === 'graph' && (result.series || []).length) {
    const lines = [...(result.series || []).map(s => ({name: `${s.label}${s.breakdown != null ? ` · ${s.breakdown}` : ''}`, points: s.points})),
      ...(result.formulas || []).map(f => ({name: f.name, points: f.points}))];
    return html`<hs-chart style="height:220px" label=${`Graph of ${lines.map(l => l.name).join(', ')}`} .option=${{
      tooltip: {trigger: 'axis'}, legend: {type: 'scroll', bottom: 0}, grid: {left: 44, right: 12, top: 12, bottom: 40},
      xAxis: {type: 'time'}, yAxis: {type: 'value'},
      series: lines.map(l => ({name: l.name, type: 'line', showSymbol: false, data: l.points.map(p => [p.t, p.value])})),
    }}></hs-chart>`;
  }
  if (query.kind === 'funnel' && (result.steps || []).length) {
    const steps = result.steps;
    return html`<hs-chart style="height:220px" label=${`Funnel of ${steps.map(s => s.label).join(', ')}`} .option=${{
      tooltip: {}, grid: {left: 44, right: 12, top: 12, bottom: 40},
      xAxis: {type: 'category', data: steps.map(s => s.label), axisLabel: {interval: 0, width: 90, overflow: 'truncate'}},
      yAxis: {type: 'value'}, series: [{type: 'bar', data: steps.map(s => s.count), label: {show: true, position: 'top'}}],
    }}></hs-chart>`;
  }
  const rows = answerRows(query, result);
  return html`<div class="scroll"><table>
    <thead><tr>${rows[0].map((h, i) => html`<th scope="col" class=${i ? 'num' : ''}>${h}</th>`)}</tr></thead>
    <tbody>${rows.slice(1, 15).map(r => html`<tr><th scope="row">${r[0]}</th>${r.slice(1).map(v => html`<td class="num">${typeof v === 'number' ? formatNumber(v) : v ?? '–'}</td>`)}</tr>`)}</tbody>
  </table>${rows.length > 15 ? html`<p class="muted">${rows.length - 15} more rows in the CSV.</p>` : ''}</div>`;
}

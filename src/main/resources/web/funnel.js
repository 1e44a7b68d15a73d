// The Funnel screen: ordered steps (2 to 20 events), the conversion window, date range and an optional breakdown;
// bars per step with each step's users, "% of step 1", "% of previous step" and drop-off, and the users who
// dropped off after a step, each linking to their page. The question lives in the URL's fragment (#q=).
import {html, css} from 'lit';
import {base, downloadCsv, formatNumber} from './ui.js';
import './chart.js';
import {eventSelect} from './pickers.js';
import {AnalysisScreen, RANGES, breakdownQuery, cohortQuery, errorState, percent, rangeQuery} from './analysis.js';
import {api, isAbort} from './api.js';

const WINDOWS = [['PT1H', '1 hour'], ['P1D', '1 day'], ['P7D', '7 days'], ['P14D', '14 days'], ['P30D', '30 days'], ['P90D', '90 days']];
const CONVERTED = '#4f46e5';
const DROPPED = '#c7d2fe';
/** A breakdown value's colour, its drop-off the same colour paler. */
const PALETTE = ['#4f46e5', '#0891b2', '#d97706', '#db2777', '#16a34a', '#7c3aed', '#dc2626', '#0d9488', '#9333ea', '#65a30d', '#64748b'];

/** The question a new funnel starts with. */
export function defaultFunnel() {
  return {steps: [{kind: 'pageview'}, {kind: 'click'}], window: 'P14D', range: '-30d', breakdown: '', layout: 'vertical'};
}

/** The request the API takes for a funnel state. */
export function funnelRequest(appId, s) {
  const q = {app_id: appId, kind: 'funnel', ...rangeQuery(s.range), window: s.window, steps: s.steps,
    ...cohortQuery(s)};
  Object.assign(q, breakdownQuery(s));
  return q;
}

export class HsFunnel extends AnalysisScreen {
  static properties = {who: {state: true}};
  static styles = [base, css`
    .editor { display: grid; gap: 10px; margin-bottom: 16px; }
    .step { display: flex; gap: 8px; align-items: end; flex-wrap: wrap; }
    .badge { font-weight: 700; width: 22px; height: 22px; border-radius: 4px; background: var(--accent); color: #fff;
      display: inline-grid; place-items: center; font-size: 12px; align-self: center; }
    .display { display: flex; gap: 8px; align-items: end; flex-wrap: wrap; margin: 8px 0; }
    .seg { display: inline-flex; border: 1px solid var(--line); border-radius: 6px; overflow: hidden; }
    .seg button { border: 0; border-radius: 0; }
    .seg button[aria-pressed="true"] { background: var(--accent); color: #fff; }
    .result { min-height: 340px; }
    .dim { opacity: .45; }
    .headline { font-size: 15px; margin: 4px 0 8px; }
    .headline strong { font-size: 22px; }
    .steps { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 8px; margin-top: 8px; }
    .steps li { list-style: none; border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; font-size: 13px; }
    .steps ol, ol.steps { padding: 0; margin: 8px 0 0; }
    .steps .label { font-weight: 600; overflow-wrap: anywhere; }
    .steps button { margin-top: 6px; font-size: 12px; padding: 3px 8px; }
    .who { margin-top: 16px; }
    table { margin-top: 16px; }
    .who ul { display: grid; grid-template-columns: repeat(auto-fill, minmax(280px, 1fr)); gap: 2px 16px; padding: 0;
      list-style: none; margin: 8px 0; max-height: 320px; overflow-y: auto; font-size: 13px; }
    .who li { overflow-wrap: anywhere; }
    .total { font-size: 13px; color: var(--muted); margin-top: 8px; }
    .spacer { flex: 1; }
  `];

  constructor() {
    super(defaultFunnel);
    this.who = null;
  }

  change(next) {
    this.who = null;
    this.listed = null;
    this.usersCtrl?.abort();
    super.change(next);
  }

  request() {
    return funnelRequest(this.appId, this.state);
  }

  /** The lines to draw: the whole funnel, or one per breakdown value. */
  groups() {
    if (!this.answer) return [];
    if (this.state.breakdown && this.answer.breakdowns) {
      return this.answer.breakdowns.map(b => ({name: String(b.value ?? '(none)'), steps: b.steps}));
    }
    return [{name: 'All users', steps: this.answer.steps}];
  }

  chartOption(groups) {
    const horizontal = this.state.layout === 'horizontal';
    const labels = this.answer.steps.map((st, i) => `${i + 1}. ${st.label}`);
    const series = [];
    groups.forEach((g, gi) => {
      const several = groups.length > 1;
      series.push({
        name: several ? g.name : 'Converted', type: 'bar', stack: `g${gi}`, barMaxWidth: 60,
        itemStyle: {color: several ? PALETTE[gi % PALETTE.length] : CONVERTED},
        label: {show: !several, position: horizontal ? 'right' : 'top', color: '#1f2937', fontWeight: 600,
          formatter: p => `${percent(g.steps[p.dataIndex].conversion)} · ${formatNumber(g.steps[p.dataIndex].count)}`},
        data: g.steps.map(st => st.count),
      });
      series.push({
        name: several ? `${g.name} (dropped)` : 'Dropped off', type: 'bar', stack: `g${gi}`, barMaxWidth: 60,
        itemStyle: several ? {color: PALETTE[gi % PALETTE.length], opacity: 0.25} : {color: DROPPED},
        data: g.steps.map((st, i) => (i === 0 ? 0 : g.steps[i - 1].count - st.count)),
      });
    });
    const category = {type: 'category', data: labels, inverse: horizontal, axisLabel: {width: horizontal ? 150 : 120, overflow: 'truncate'}};
    const value = {type: 'value'};
    return {
      tooltip: {trigger: 'axis', axisPointer: {type: 'shadow'}},
      legend: {type: 'scroll', bottom: 0, data: groups.length > 1 ? groups.map(g => g.name) : ['Converted', 'Dropped off']},
      grid: {left: horizontal ? 170 : 48, right: 24, top: 16, bottom: 48},
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? category : value,
      series,
    };
  }

  /** Every step of every group: the table and the CSV. */
  tableRows(groups) {
    const head = ['Breakdown', 'Step', 'Event', 'Users', '% of step 1', '% of previous step', 'Dropped off', 'Median time from previous (s)'];
    // The CSV keeps seconds; the table shows them as a duration.
    const rows = [];
    groups.forEach(g => g.steps.forEach((st, i) => rows.push([g.name, i + 1, st.label, st.count,
      st.conversion, st.conversion_from_previous, i === 0 ? 0 : g.steps[i - 1].count - st.count, st.median_seconds_from_previous])));
    return [head, ...rows];
  }

  render() {
    const s = this.state;
    return html`<h1>Funnel</h1>
      <div class="editor card">
        <ol class="steps-editor" style="list-style:none;padding:0;margin:0;display:grid;gap:8px" aria-label="Steps">
          ${s.steps.map((e, i) => this.renderStep(e, i))}</ol>
        <div class="row">
          <button @click=${() => this.change({...s, steps: [...s.steps, {kind: 'pageview'}]})}
            ?disabled=${s.steps.length >= 20}>Add step</button>
          <label>Conversion window <select @change=${e => this.change({...s, window: e.target.value})}>
            ${WINDOWS.map(([v, l]) => html`<option value=${v} ?selected=${s.window === v}>${l}</option>`)}</select></label>
          ${this.breakdownPicker()}
        </div>
      </div>
      <div class="display">
        <label>Date range <select @change=${e => this.change({...s, range: e.target.value})}>
          ${RANGES.map(([v, l]) => html`<option value=${v} ?selected=${s.range === v}>${l}</option>`)}</select></label>
        ${this.cohortPicker()}
        <span class="spacer"></span>
        <div class="seg" role="group" aria-label="Bars">
          ${[['vertical', 'Vertical'], ['horizontal', 'Horizontal']].map(([v, l]) => html`<button aria-pressed=${s.layout === v}
            @click=${() => this.change({...s, layout: v})}>${l}</button>`)}
        </div>
        <button @click=${() => { this.showTable = !this.showTable; }} aria-pressed=${this.showTable}>Show numbers</button>
        <button @click=${() => downloadCsv('funnel.csv', this.tableRows(this.groups()))} ?disabled=${!this.answer}>Download CSV</button>
      </div>
      ${this.renderResult()}`;
  }

  renderStep(e, i) {
    const s = this.state;
    const n = i + 1;
    const move = d => {
      const steps = [...s.steps];
      [steps[i], steps[i + d]] = [steps[i + d], steps[i]];
      this.change({...s, steps});
    };
    return html`<li class="step">
      <span class="badge" aria-hidden="true">${n}</span>
      ${eventSelect(`Step ${n}`, this.catalog, e,
        event => this.change({...s, steps: s.steps.map((x, j) => (j === i ? event : x))}))}
      <button aria-label=${`Move step ${n} up`} ?disabled=${i === 0} @click=${() => move(-1)}>↑</button>
      <button aria-label=${`Move step ${n} down`} ?disabled=${i === s.steps.length - 1} @click=${() => move(1)}>↓</button>
      ${s.steps.length > 2 ? html`<button aria-label=${`Remove step ${n}`}
        @click=${() => this.change({...s, steps: s.steps.filter((_, j) => j !== i)})}>Remove</button>` : ''}
    </li>`;
  }

  renderResult() {
    if (this.error) return errorState(this.error, () => this.run());
    if (!this.answer) return html`<hs-state kind="loading" message="Running the funnel…"></hs-state>`;
    const steps = this.answer.steps;
    const groups = this.groups();
    const empty = !steps.length || !steps[0].count;
    const last = steps[steps.length - 1];
    return html`<div class="result ${this.loading ? 'dim' : ''}" aria-busy=${this.loading}>
      ${empty ? html`<hs-state kind="empty" message="No user did step 1 in this range. Pick another first step or a longer date range."></hs-state>` : html`
        <p class="headline"><strong>${percent(last.conversion)}</strong> of the ${formatNumber(steps[0].count)} users who did
          step 1 reached step ${steps.length} (${formatNumber(last.count)} users).</p>
        <hs-chart .option=${this.chartOption(groups)} label=${`Funnel of ${steps.map(x => x.label).join(', then ')}`}
          @chart-click=${e => this.barClicked(e.detail, groups)}></hs-chart>
        <ol class="steps" aria-label="Steps and drop-off">${steps.map((st, i) => this.renderStepResult(st, i))}</ol>
        ${this.who != null ? this.renderWho() : ''}
        ${this.listed && this.who == null ? this.renderListed() : ''}
        ${this.showTable ? this.renderTable(groups) : ''}`}
      <div class="total">${this.loading ? 'Updating…' : `Answered in ${this.elapsedMs} ms.`}</div></div>`;
  }

  renderStepResult(st, i) {
    const steps = this.answer.steps;
    const dropped = i < steps.length - 1 ? steps[i].count - steps[i + 1].count : 0;
    return html`<li>
      <div class="label">${i + 1}. ${st.label}</div>
      <div>${formatNumber(st.count)} users</div>
      <div class="muted">${percent(st.conversion)} of step 1${i ? html` · ${percent(st.conversion_from_previous)} of previous step` : ''}</div>
      ${i > 0 ? html`<button @click=${() => this.openUsers(i, 'converted')} aria-label=${`Users who reached step ${i + 1} (${st.count})`}>See the ${formatNumber(st.count)} users</button>` : ''}
      ${i < steps.length - 1 ? html`<button @click=${() => { this.who = i; }} aria-pressed=${this.who === i}
        aria-label=${`Users who dropped off after step ${i + 1} (${dropped})`}>${formatNumber(dropped)} dropped off before step ${i + 2}</button>` : ''}
    </li>`;
  }

  /**
   * A click on a bar of the whole funnel opens its users, as the step's buttons do: the converted part of step
   * i+1 its users who reached it, the dropped-off part those who did step i but not step i+1.
   */
  barClicked({seriesIndex, dataIndex}, groups) {
    if (groups.length !== 1 || dataIndex < 1) return;
    if (seriesIndex === 0) this.openUsers(dataIndex, 'converted');
    else if (seriesIndex === 1) { this.listed = null; this.who = dataIndex - 1; }
  }

  /** Lists the users who reached step i+1 (converted) from the API, a page at a time. */
  async openUsers(i, status, offset = 0) {
    this.who = null;
    this.usersCtrl?.abort();
    this.usersCtrl = new AbortController();
    const prev = offset ? this.listed : null;
    this.listed = {step: i + 1, status, loading: true, identities: prev?.identities || []};
    this.requestUpdate();
    try {
      const a = await api('/api/query', {method: 'POST', signal: this.usersCtrl.signal,
        body: {...funnelRequest(this.appId, this.state), users: {step: i + 1, status, offset, limit: 100}}});
      this.listed = {step: i + 1, status, total: a.users.total, next: a.users.next_offset,
        identities: [...(prev?.identities || []), ...a.users.identities]};
    } catch (e) {
      if (!isAbort(e)) this.listed = {step: i + 1, status, error: e.message, identities: []};
    }
    this.requestUpdate();
  }

  renderListed() {
    const l = this.listed;
    const app = encodeURIComponent(this.appId);
    return html`<section class="who card converted" aria-label="Converted users">
      <div class="row" style="align-items:center"><h2 style="margin:0">Reached step ${l.step} (${this.answer.steps[l.step - 1]?.label})</h2>
        <span class="spacer"></span>
        <button @click=${() => downloadCsv(`funnel-step-${l.step}.csv`, [['identity'], ...l.identities.map(u => [u])])}>Download CSV</button>
        <button @click=${() => { this.listed = null; this.requestUpdate(); }}>Close</button></div>
      ${l.error ? html`<p role="alert">${l.error}</p>` : ''}
      ${l.identities.length ? html`<ul>${l.identities.map(u => html`<li><a href=${`/e/${app}/users/${encodeURIComponent(u)}`}>${u}</a></li>`)}</ul>` : ''}
      ${l.loading ? html`<p class="muted" role="status">Loading the users…</p>` : l.total != null ? html`<p class="muted">${formatNumber(l.identities.length)} of ${formatNumber(l.total)} users.
        ${l.next != null ? html`<button @click=${() => this.openUsers(l.step - 1, l.status, l.next)}>Show more</button>` : ''}</p>` : ''}
    </section>`;
  }

  renderWho() {
    const i = this.who;
    const steps = this.answer.steps;
    const users = this.answer.dropped_off?.find(d => d.step === i + 1)?.users || [];
    const dropped = steps[i].count - steps[i + 1].count;
    const app = encodeURIComponent(this.appId);
    return html`<section class="who card" aria-label="Dropped-off users">
      <div class="row" style="align-items:center"><h2 style="margin:0">Did step ${i + 1} (${steps[i].label}) but not step ${i + 2} (${steps[i + 1].label})</h2>
        <span class="spacer"></span>
        <button @click=${() => downloadCsv(`funnel-dropped-step-${i + 1}.csv`, [['identity'], ...users.map(u => [u])])}>Download CSV</button>
        <button @click=${() => { this.who = null; }}>Close</button></div>
      ${users.length ? html`<ul>${users.map(u => html`<li><a href=${`/e/${app}/users/${encodeURIComponent(u)}`}>${u}</a></li>`)}</ul>`
        : html`<p class="muted">No user dropped off here.</p>`}
      ${dropped > users.length ? html`<p class="muted">The first ${users.length} of ${formatNumber(dropped)} users (the ones seen first).</p>` : ''}
    </section>`;
  }

  renderTable(groups) {
    const rows = this.tableRows(groups);
    const cols = groups.length > 1 ? rows[0] : rows[0].slice(1);
    const cut = groups.length > 1 ? 0 : 1;
    return html`<table><caption class="muted" style="text-align:left">The chart's numbers</caption>
      <thead><tr>${cols.map((h, i) => html`<th scope="col" class=${i > 2 - cut ? 'num' : ''}>${h.replace(' (s)', '')}</th>`)}</tr></thead>
      <tbody>${rows.slice(1).map(r => r.slice(cut)).map(r => html`<tr>
        ${r.map((v, i) => (i <= 2 - cut ? html`<td>${v}</td>`
          : html`<td class="num">${i === 4 - cut || i === 5 - cut ? percent(v) : i === 7 - cut ? duration(v) : formatNumber(v)}</td>`))}</tr>`)}</tbody>
    </table>`;
  }
}
/** Seconds for people: "45 s", "12 min", "3.5 h", "2.1 days". */
export function duration(seconds) {
  if (seconds == null) return '–';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${formatNumber(Math.round(seconds / 6) / 10)} min`;
  if (seconds < 86400) return `${formatNumber(Math.round(seconds / 360) / 10)} h`;
  return `${formatNumber(Math.round(seconds / 8640) / 10)} days`;
}
customElements.define('hs-funnel', HsFunnel);

// The Graph screen: series (event + measure), breakdown, date range and interval, as a line, bars or a table,
// with CSV. The whole question lives in the URL's fragment (#q=), so a link opens the same chart.
import {html, css} from 'lit';
import {base, downloadCsv, formatNumber} from './ui.js';
import {AnalysisScreen, breakdownQuery, cohortQuery, errorState} from './analysis.js';
import './chart.js';
import './reports.js';
import {eventSelect, filtersEditor, filtersRequest, formatTime} from './pickers.js';

const MEASURES = [
  ['count', 'Total events'], ['users', 'Unique users'], ['sessions', 'Sessions'],
  ['sum', 'Sum of property'], ['avg', 'Average of property'], ['min', 'Minimum of property'],
  ['max', 'Maximum of property'], ['median', 'Median of property'], ['p90', '90th percentile of property'],
  ['per_user', 'Events per user (average)'],
];
const MEASURE_NAMES = {users: 'users', sessions: 'sessions', sum: 'sum', avg: 'average', min: 'minimum', max: 'maximum',
  median: 'median', p90: '90th percentile', per_user: 'per user'};
const NEEDS_PROPERTY = new Set(['sum', 'avg', 'min', 'max', 'median', 'p90']);
const RANGES = [
  ['today', 'Today'], ['yesterday', 'Yesterday'], ['-7d', 'Last 7 days'], ['-30d', 'Last 30 days'],
  ['-90d', 'Last 90 days'], ['this_month', 'This month'], ['last_month', 'Last month'], ['-12m', 'Last 12 months'],
];
const INTERVALS = [['hour', 'Hour'], ['day', 'Day'], ['week', 'Week'], ['month', 'Month']];

/** The question a new graph starts with. */
export function defaultGraph() {
  return {series: [{event: {kind: 'pageview'}, measure: 'count'}], range: '-30d', interval: 'day', breakdown: '', view: 'line'};
}

/** The graph state of a saved graph query (the inverse of graphRequest), to open a saved report here. */
export function graphStateOf(q) {
  const b = q.breakdown;
  return {
    series: (q.series || []).map(x => ({event: x.event, measure: x.measure || 'count', ...(x.property ? {property: x.property} : {})})),
    range: q.from || '-30d', interval: q.interval || 'day',
    breakdown: typeof b === 'string' ? b : b?.cohorts ? '@cohorts' : b?.property || '', view: 'line',
    ...(b?.cohorts ? {breakdownCohorts: b.cohorts} : {}),
    filters: (q.filters || []).map(f => ({key: f.key, op: f.op, value: f.value == null ? '' : String(f.value)})),
    formulas: (q.formulas || []).map(f => f.expression),
    ...(typeof q.cohort === 'number' ? {cohort: String(q.cohort)} : {}),
  };
}

/** The request the API takes for a graph state. */
export function graphRequest(appId, s) {
  const series = s.series.map(x => {
    const out = {event: x.event, measure: x.measure};
    if (NEEDS_PROPERTY.has(x.measure)) out.property = x.property || '';
    return out;
  });
  const q = {app_id: appId, kind: 'graph', from: s.range, interval: s.interval, series, ...cohortQuery(s)};
  if (s.range === 'today' || s.range === 'yesterday' || s.range === 'this_month' || s.range === 'last_month') q.to = s.range;
  Object.assign(q, breakdownQuery(s));
  const filters = filtersRequest(s.filters);
  if (filters.length) q.filters = filters;
  const formulas = (s.formulas || []).filter(f => f.trim());
  if (formulas.length) q.formulas = formulas.map(expression => ({expression}));
  return q;
}

export class HsGraph extends AnalysisScreen {
  static styles = [base, css`
    .editor { display: grid; gap: 12px; margin-bottom: 16px; }
    .filters { display: flex; flex-direction: column; gap: 8px; align-items: flex-start; }
    .series { display: flex; gap: 8px; align-items: end; flex-wrap: wrap; }
    .letter { font-weight: 700; width: 22px; height: 22px; border-radius: 4px; background: var(--accent); color: #fff;
      display: inline-grid; place-items: center; font-size: 12px; align-self: center; }
    .display { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin: 8px 0; }
    .seg { display: inline-flex; border: 1px solid var(--line); border-radius: 6px; overflow: hidden; }
    .seg button { border: 0; border-radius: 0; }
    .seg button[aria-pressed="true"] { background: var(--accent); color: #fff; }
    .result { min-height: 340px; position: relative; }
    .dim { opacity: .45; }
    .total { font-size: 13px; color: var(--muted); }
    .spacer { flex: 1; }
  `];

  constructor() {
    super(defaultGraph);
  }

  request() {
    return graphRequest(this.appId, this.state);
  }

  /** Every line of the answer (series and formulas), each with its label and points. */
  lines() {
    if (!this.answer) return [];
    const series = (this.answer.series || []).map((s, i) => ({
      name: `${String.fromCharCode(65 + (s.index ?? i))}. ${s.label}${s.measure && s.measure !== 'count' ? ` (${MEASURE_NAMES[s.measure] || s.measure})` : ''}${s.breakdown != null ? ` · ${s.breakdown}` : ''}`,
      points: s.points,
    }));
    const formulas = (this.answer.formulas || []).map(f => ({name: f.name, points: f.points, formula: true}));
    return [...series, ...formulas];
  }

  chartOption(lines) {
    const bar = this.state.view === 'bar';
    return {
      tooltip: {trigger: 'axis'},
      legend: {type: 'scroll', bottom: 0},
      grid: {left: 48, right: 16, top: 16, bottom: 48},
      xAxis: {type: 'time'},
      // Formulas (ratios, differences) get their own axis on the right: on the counts' axis they would lie flat.
      yAxis: lines.some(l => l.formula) && lines.some(l => !l.formula)
        ? [{type: 'value'}, {type: 'value', splitLine: {show: false}}] : {type: 'value'},
      series: lines.map(l => ({
        name: l.name, type: bar && !l.formula ? 'bar' : 'line', showSymbol: false, stack: bar && !l.formula ? 'all' : undefined,
        yAxisIndex: l.formula && lines.some(x => !x.formula) ? 1 : 0,
        data: l.points.map(p => [p.t, p.value]),
      })),
    };
  }

  tableRows(lines) {
    const times = lines[0]?.points.map(p => p.t) || [];
    return [['Time', ...lines.map(l => l.name)], ...times.map((t, i) => [t, ...lines.map(l => l.points[i]?.value)])];
  }

  /** The rows as the table shows them: times as dates (or hours), the CSV keeps them exact. */
  shownRows(lines) {
    const rows = this.tableRows(lines);
    return [rows[0], ...rows.slice(1).map(([t, ...v]) => [formatTime(t, this.state.interval), ...v])];
  }

  /** The question as a report saves it: the request without the environment, which the report belongs to. */
  savedQuery() {
    const {app_id: _, ...query} = graphRequest(this.appId, this.state);
    return query;
  }

  render() {
    const s = this.state;
    return html`<h1>Graph</h1>
      <div class="editor card">
        ${s.series.map((x, i) => this.renderSeries(x, i))}
        <div class="row">
          <button @click=${() => this.change({...s, series: [...s.series, {event: {kind: 'pageview'}, measure: 'count'}]})}
            ?disabled=${s.series.length >= 10}>Add series</button>
          <button @click=${() => this.change({...s, formulas: [...(s.formulas || []), '']})}
            ?disabled=${(s.formulas || []).length >= 10}>Add formula</button>
          ${this.breakdownPicker()}
        </div>
        ${(s.formulas || []).map((f, i) => html`<div class="row">
          <label>Formula ${i + 1} <input .value=${f} placeholder="A / B" size="24"
            @change=${e => this.change({...s, formulas: s.formulas.map((x, j) => (j === i ? e.target.value : x))})}></label>
          <span class="muted">Series letters with + − × ÷ and numbers, such as <code>A / B * 100</code>.</span>
          <button aria-label=${`Remove formula ${i + 1}`} @click=${() => this.change({...s, formulas: s.formulas.filter((_, j) => j !== i)})}>Remove</button>
        </div>`)}
        ${filtersEditor(this.catalog, s.filters, filters => this.change({...s, filters}))}
      </div>
      <div class="display">
        <label>Date range <select @change=${e => this.change({...s, range: e.target.value})}>
          ${RANGES.map(([v, l]) => html`<option value=${v} ?selected=${s.range === v}>${l}</option>`)}</select></label>
        ${this.cohortPicker()}
        <label>Interval <select @change=${e => this.change({...s, interval: e.target.value})}>
          ${INTERVALS.map(([v, l]) => html`<option value=${v} ?selected=${s.interval === v}>${l}</option>`)}</select></label>
        <span class="spacer"></span>
        <div class="seg" role="group" aria-label="Chart type">
          ${[['line', 'Line'], ['bar', 'Bars'], ['table', 'Table']].map(([v, l]) => html`<button aria-pressed=${s.view === v}
            @click=${() => this.change({...s, view: v})}>${l}</button>`)}
        </div>
        <button @click=${() => { this.showTable = !this.showTable; }} aria-pressed=${this.showTable}
          ?hidden=${s.view === 'table'}>Show numbers</button>
        <button @click=${() => downloadCsv('graph.csv', this.tableRows(this.lines()))} ?disabled=${!this.answer}>Download CSV</button>
        <hs-save-report app-id=${this.appId} .query=${this.savedQuery()}></hs-save-report>
      </div>
      ${this.renderResult()}`;
  }

  renderSeries(x, i) {
    const s = this.state;
    const set = patch => this.change({...s, series: s.series.map((y, j) => (j === i ? {...y, ...patch} : y))});
    return html`<div class="series">
      <span class="letter" aria-hidden="true">${String.fromCharCode(65 + i)}</span>
      ${eventSelect(`Event ${String.fromCharCode(65 + i)}`, this.catalog, x.event, event => set({event}))}
      <label>Measure <select @change=${e => set({measure: e.target.value})}>
        ${MEASURES.map(([v, l]) => html`<option value=${v} ?selected=${x.measure === v}>${l}</option>`)}</select></label>
      ${NEEDS_PROPERTY.has(x.measure) ? html`<label>Property <select @change=${e => set({property: e.target.value})}>
        <option value="" ?selected=${!x.property}>Choose…</option>
        ${this.catalog.properties.map(p => html`<option value=${p} ?selected=${x.property === p}>${p}</option>`)}</select></label>` : ''}
      ${s.series.length > 1 ? html`<button aria-label=${`Remove series ${String.fromCharCode(65 + i)}`}
        @click=${() => this.change({...s, series: s.series.filter((_, j) => j !== i)})}>Remove</button>` : ''}
    </div>`;
  }

  renderResult() {
    if (this.error) return errorState(this.error, () => this.run());
    if (!this.answer) return html`<hs-state kind="loading" message="Running the query…"></hs-state>`;
    const lines = this.lines();
    const empty = lines.every(l => l.points.every(p => !p.value));
    const table = this.renderTable(lines);
    return html`<div class="result ${this.loading ? 'dim' : ''}" aria-busy=${this.loading}>
      ${empty ? html`<hs-state kind="empty" message="No events match in this range. Try a longer date range, or check that the tracker is installed."></hs-state>`
          : this.state.view === 'table' ? table
          : html`<hs-chart .option=${this.chartOption(lines)} label="Graph of ${lines.map(l => l.name).join(', ')}"></hs-chart>
              ${this.showTable ? table : ''}`}
      <div class="total">${this.loading ? 'Updating…' : `Answered in ${this.elapsedMs} ms.`}</div></div>`;
  }

  renderTable(lines) {
    const rows = this.shownRows(lines);
    return html`<table><caption class="muted" style="text-align:left">The chart's numbers</caption>
      <thead><tr>${rows[0].map((h, i) => html`<th scope="col" class=${i ? 'num' : ''}>${h}</th>`)}</tr></thead>
      <tbody>${rows.slice(1).map(r => html`<tr><th scope="row">${r[0]}</th>${r.slice(1).map(v => html`<td class="num">${formatNumber(v)}</td>`)}</tr>`)}</tbody>
    </table>`;
  }
}
customElements.define('hs-graph', HsGraph);

// The Retention screen: a start event and a return event, the period (day, week or month), how many periods, and the
// date range; a cohort table (each cohort's start and size, then the share retained in periods 0..N, shaded by
// value) and the average retention curve. The question lives in the URL's fragment (#q=).
import {html, css} from 'lit';
import {base, downloadCsv, formatNumber} from './ui.js';
import './chart.js';
import {eventSelect, formatTime} from './pickers.js';
import {AnalysisScreen, RANGES, breakdownQuery, cohortQuery, errorState, percent, rangeQuery} from './analysis.js';

const PERIODS = [['day', 'Day'], ['week', 'Week'], ['month', 'Month']];
const UNITS = {day: 'Day', week: 'Week', month: 'Month'};

/** The question a new retention starts with. */
export function defaultRetention() {
  return {start: {kind: 'pageview'}, ret: {kind: 'pageview'}, period: 'day', periods: 7, range: '-30d'};
}

/** The request the API takes for a retention state. */
export function retentionRequest(appId, s) {
  const q = {app_id: appId, kind: 'retention', ...rangeQuery(s.range), start: s.start, return: s.ret,
    period: s.period, periods: s.periods, ...cohortQuery(s)};
  Object.assign(q, breakdownQuery(s));
  return q;
}

/**
 * A cell's background for a rate (0..1): a deeper blue for more, as PostHog's retention table, kept light enough
 * that dark text stays readable (contrast above 4.5:1) on every cell.
 */
export function shade(rate) {
  if (rate == null) return '';
  return `background:hsl(212 70% ${Math.round(56 + (1 - rate) * 40)}%);color:#111`;
}

/** The average share retained in each period, weighted by cohort size, over the cohorts where it has begun. */
export function averageCurve(cohorts, periods) {
  const out = [];
  for (let k = 0; k <= periods; k++) {
    let users = 0; let kept = 0;
    for (const c of cohorts) {
      if (c.retained[k] == null || !c.users) continue;
      users += c.users;
      kept += c.retained[k];
    }
    out.push(users ? kept / users : null);
  }
  return out;
}

export class HsRetention extends AnalysisScreen {
  static styles = [base, css`
    .editor { margin-bottom: 16px; }
    .display { display: flex; gap: 8px; align-items: end; flex-wrap: wrap; margin: 8px 0; }
    .result { min-height: 340px; }
    .dim { opacity: .45; }
    .scroll { overflow-x: auto; }
    table.cohorts td.rate { text-align: center; min-width: 52px; font-size: 12.5px; border: 1px solid #fff; }
    table.cohorts th { white-space: nowrap; }
    table.cohorts td.size { text-align: right; }
    .total { font-size: 13px; color: var(--muted); margin-top: 8px; }
    .spacer { flex: 1; }
    input[type=number] { width: 72px; }
  `];

  constructor() {
    super(defaultRetention);
  }

  request() {
    return retentionRequest(this.appId, this.state);
  }

  /** Cohort rows: start, users, then the number retained and the rate of each period. */
  tableRows() {
    const n = this.state.periods;
    const head = ['Cohort', 'Users'];
    for (let k = 0; k <= n; k++) head.push(`Period ${k} users`, `Period ${k} rate`);
    return [head, ...this.answer.cohorts.map(c => [c.start, c.users,
      ...c.retained.flatMap((r, k) => [r, c.rates[k]])])];
  }

  chartOption(curve) {
    const unit = UNITS[this.state.period] || 'Day';
    return {
      tooltip: {trigger: 'axis', valueFormatter: v => percent(v)},
      grid: {left: 56, right: 24, top: 16, bottom: 32},
      xAxis: {type: 'category', data: curve.map((_, k) => `${unit} ${k}`)},
      yAxis: {type: 'value', min: 0, max: 1, axisLabel: {formatter: v => `${Math.round(v * 100)}%`}},
      series: [{name: 'Average retention', type: 'line', data: curve, symbolSize: 6, connectNulls: false,
        label: {show: true, formatter: p => percent(p.value)}}],
    };
  }

  render() {
    const s = this.state;
    return html`<h1>Retention</h1>
      <div class="editor card"><div class="row">
        ${eventSelect('Users who did', this.catalog, s.start, e => this.change({...s, start: e}))}
        ${eventSelect('And came back to do', this.catalog, s.ret, e => this.change({...s, ret: e}))}
        <label>Period <select @change=${e => this.change({...s, period: e.target.value})}>
          ${PERIODS.map(([v, l]) => html`<option value=${v} ?selected=${s.period === v}>${l}</option>`)}</select></label>
        <label>Periods shown <input type="number" min="1" max="60" .value=${String(s.periods)}
          @change=${e => { const v = Math.min(60, Math.max(1, Number(e.target.value) || 7)); this.change({...s, periods: v}); }}></label>
        ${this.breakdownPicker()}
      </div></div>
      <div class="display">
        <label>Date range <select @change=${e => this.change({...s, range: e.target.value})}>
          ${RANGES.map(([v, l]) => html`<option value=${v} ?selected=${s.range === v}>${l}</option>`)}</select></label>
        ${this.cohortPicker()}
        <span class="spacer"></span>
        <button @click=${() => { this.showTable = !this.showTable; }} aria-pressed=${this.showTable}>Show numbers</button>
        <button @click=${() => downloadCsv('retention.csv', this.tableRows())} ?disabled=${!this.answer}>Download CSV</button>
      </div>
      ${this.renderResult()}`;
  }

  renderResult() {
    if (this.error) return errorState(this.error, () => this.run());
    if (!this.answer) return html`<hs-state kind="loading" message="Running the retention…"></hs-state>`;
    const cohorts = this.answer.cohorts || [];
    const empty = !cohorts.some(c => c.users);
    const curve = averageCurve(cohorts, this.state.periods);
    return html`<div class="result ${this.loading ? 'dim' : ''}" aria-busy=${this.loading}>
      ${empty ? html`<hs-state kind="empty" message="No user did the start event in this range. Pick another start event or a longer date range."></hs-state>` : html`
        ${this.renderCohorts(cohorts)}
        ${(this.answer.breakdowns || []).map(b => html`<section class="breakdown" aria-label=${`Breakdown ${b.value}`}>
          <h2>${b.value}</h2>${this.renderCohorts(b.cohorts)}</section>`)}
        <h2>Average retention</h2>
        <hs-chart .option=${this.chartOption(curve)} label="Average retention by period"></hs-chart>
        ${this.showTable ? this.renderNumbers() : ''}`}
      <div class="total">${this.loading ? 'Updating…' : `Answered in ${this.elapsedMs} ms.`}</div></div>`;
  }

  renderCohorts(cohorts) {
    const n = this.state.periods;
    const unit = UNITS[this.state.period] || 'Day';
    const ks = Array.from({length: n + 1}, (_, k) => k);
    return html`<div class="scroll"><table class="cohorts">
      <caption class="muted" style="text-align:left">Share of each cohort that came back, by ${unit.toLowerCase()} since their first start event (– not begun yet)</caption>
      <thead><tr><th scope="col">Cohort</th><th scope="col" class="num">Users</th>
        ${ks.map(k => html`<th scope="col" class="num" style="text-align:center">${unit} ${k}</th>`)}</tr></thead>
      <tbody>${cohorts.map(c => html`<tr><th scope="row">${formatTime(c.start, 'day')}</th><td class="size">${formatNumber(c.users)}</td>
        ${ks.map(k => html`<td class="rate" style=${c.users ? shade(c.rates[k]) : ''}
          title=${c.retained[k] == null ? 'Not begun yet' : `${formatNumber(c.retained[k])} of ${formatNumber(c.users)} users`}>${c.users ? percent(c.rates[k]) : ''}</td>`)}</tr>`)}</tbody>
    </table></div>`;
  }

  renderNumbers() {
    const rows = this.tableRows();
    return html`<h2>Users retained</h2><div class="scroll"><table class="numbers">
      <thead><tr><th scope="col">Cohort</th><th scope="col" class="num">Users</th>
        ${Array.from({length: this.state.periods + 1}, (_, k) => html`<th scope="col" class="num">${UNITS[this.state.period] || 'Period'} ${k}</th>`)}</tr></thead>
      <tbody>${rows.slice(1).map(r => html`<tr><th scope="row">${formatTime(r[0], 'day')}</th><td class="num">${formatNumber(r[1])}</td>
        ${r.slice(2).filter((_, i) => i % 2 === 0).map(v => html`<td class="num">${formatNumber(v)}</td>`)}</tr>`)}</tbody>
    </table></div>`;
  }
}
customElements.define('hs-retention', HsRetention);

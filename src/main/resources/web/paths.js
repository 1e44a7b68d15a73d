// The Paths screen: what users did after (or before) an event, step by step within their sessions, as a Sankey
// diagram with the same numbers as a table (from → to, how many paths) and CSV. The question lives in the URL.
import {html, css} from 'lit';
import {base, downloadCsv, formatNumber} from './ui.js';
import './chart.js';
import {eventSelect} from './pickers.js';
import {AnalysisScreen, RANGES, cohortQuery, errorState, rangeQuery} from './analysis.js';

/** The question a new paths analysis starts with. */
export function defaultPaths() {
  return {start: {kind: 'pageview'}, direction: 'after', depth: 4, range: '-30d'};
}

/** The request the API takes for a paths state. */
export function pathsRequest(appId, s) {
  return {app_id: appId, kind: 'paths', ...rangeQuery(s.range), start: s.start, direction: s.direction, depth: s.depth,
    ...cohortQuery(s)};
}

export class HsPaths extends AnalysisScreen {
  static properties = {allRows: {state: true}};
  static styles = [base, css`
    .editor { margin-bottom: 16px; }
    .display { display: flex; gap: 8px; align-items: end; flex-wrap: wrap; margin: 8px 0; }
    .result { min-height: 340px; }
    .dim { opacity: .45; }
    .total { font-size: 13px; color: var(--muted); margin-top: 8px; }
    .spacer { flex: 1; }
    .scroll { overflow-x: auto; }
    hs-chart { height: 480px; }
  `];

  constructor() {
    super(defaultPaths);
  }

  change(next) {
    this.allRows = false;
    super.change(next);
  }

  request() {
    return pathsRequest(this.appId, this.state);
  }

  /** Each edge as [from step, from, to step, to, paths], largest first. */
  edges() {
    const nodes = new Map((this.answer?.nodes || []).map(n => [n.id, n]));
    return (this.answer?.edges || []).map(e => {
      const a = nodes.get(e.source); const b = nodes.get(e.target);
      return [a?.step, a?.label ?? e.source, b?.step, b?.label ?? e.target, e.count];
    }).sort((x, y) => y[4] - x[4] || x[0] - y[0]);
  }

  tableRows() {
    return [['From step', 'From', 'To step', 'To', 'Paths'], ...this.edges()];
  }

  chartOption() {
    const {nodes, edges} = topNodes(this.answer, PER_STEP);
    return {
      tooltip: {trigger: 'item', formatter: p => (p.dataType === 'edge'
        ? `${label(nodes, p.data.source)} → ${label(nodes, p.data.target)}: ${formatNumber(p.data.value)}`
        : `${label(nodes, p.name)}: ${formatNumber(p.value)}`)},
      series: [{
        type: 'sankey', left: 8, right: 160, top: 8, bottom: 8, nodeAlign: 'justify', nodeGap: 10, draggable: false,
        emphasis: {focus: 'trajectory'},
        lineStyle: {color: 'gradient', opacity: 0.35, curveness: 0.5},
        label: {formatter: p => `${shorten(label(nodes, p.name))} (${formatNumber(p.value)})`, fontSize: 11},
        data: nodes.map(n => ({name: n.id, value: n.count})),
        links: edges.map(e => ({source: e.source, target: e.target, value: e.count})),
      }],
    };
  }

  render() {
    const s = this.state;
    return html`<h1>Paths</h1>
      <div class="editor card"><div class="row">
        <label>Direction <select @change=${e => this.change({...s, direction: e.target.value})}>
          <option value="after" ?selected=${s.direction === 'after'}>Paths after</option>
          <option value="before" ?selected=${s.direction === 'before'}>Paths before</option></select></label>
        ${eventSelect(s.direction === 'before' ? 'End event' : 'Start event', this.catalog, s.start, e => this.change({...s, start: e}))}
        <label>Steps <select @change=${e => this.change({...s, depth: Number(e.target.value)})}>
          ${Array.from({length: 10}, (_, i) => i + 1).map(d => html`<option value=${d} ?selected=${s.depth === d}>${d}</option>`)}</select></label>
      </div></div>
      <div class="display">
        <label>Date range <select @change=${e => this.change({...s, range: e.target.value})}>
          ${RANGES.map(([v, l]) => html`<option value=${v} ?selected=${s.range === v}>${l}</option>`)}</select></label>
        ${this.cohortPicker()}
        <span class="spacer"></span>
        <button @click=${() => { this.showTable = !this.showTable; }} aria-pressed=${this.showTable}>Show numbers</button>
        <button @click=${() => downloadCsv('paths.csv', this.tableRows())} ?disabled=${!this.answer}>Download CSV</button>
      </div>
      ${this.renderResult()}`;
  }

  renderResult() {
    if (this.error) return errorState(this.error, () => this.run());
    if (!this.answer) return html`<hs-state kind="loading" message="Finding the paths…"></hs-state>`;
    const empty = !this.answer.edges?.length;
    const start = this.answer.nodes?.find(n => n.step === 0);
    return html`<div class="result ${this.loading ? 'dim' : ''}" aria-busy=${this.loading}>
      ${empty ? html`<hs-state kind="empty" message=${start?.count
          ? `${formatNumber(start.count)} sessions did this event, but none did anything ${this.state.direction} it. Try another event.`
          : 'No session did this event in this range. Pick another event or a longer date range.'}></hs-state>` : html`
        <p class="muted">${formatNumber(start?.count)} occurrences of ${start?.label}; each column is one step ${this.state.direction} it in the same session.</p>
        <hs-chart style=${`height:${Math.max(420, Math.min(900, 40 * maxColumn(this.answer.nodes)))}px`}
          .option=${this.chartOption()} label=${`Paths ${this.state.direction} ${start?.label || 'the event'}`}></hs-chart>
        ${this.showTable ? this.renderTable() : ''}`}
      <div class="total">${this.loading ? 'Updating…' : `Answered in ${this.elapsedMs} ms.`}</div></div>`;
  }

  renderTable() {
    const all = this.tableRows();
    const rows = this.allRows ? all : all.slice(0, TABLE_ROWS + 1);
    return html`<div class="scroll"><table><caption class="muted" style="text-align:left">The diagram's numbers: how many paths went from one step to the next</caption>
      <thead><tr>${rows[0].map((h, i) => html`<th scope="col" class=${i === 0 || i === 2 || i === 4 ? 'num' : ''}>${h}</th>`)}</tr></thead>
      <tbody>${rows.slice(1).map(r => html`<tr><td class="num">${r[0]}</td><td>${r[1]}</td><td class="num">${r[2]}</td><td>${r[3]}</td>
        <td class="num">${formatNumber(r[4])}</td></tr>`)}</tbody></table></div>
      ${rows.length < all.length ? html`<p><button @click=${() => { this.allRows = true; }}>Show all ${formatNumber(all.length - 1)} rows</button></p>` : ''}`;
  }
}

/** The diagram keeps each step's largest nodes; the table keeps its first rows until asked for all. */
const PER_STEP = 8;
const TABLE_ROWS = 50;

/**
 * The answer with each step's nodes beyond the `per` largest merged into one "Other" node of that step, and the
 * edges through them added up, so the diagram stays readable; the table and CSV keep every node.
 */
export function topNodes(answer, per) {
  const byStep = new Map();
  answer.nodes.forEach(n => byStep.set(n.step, [...(byStep.get(n.step) || []), n]));
  const rename = new Map();
  const nodes = [];
  byStep.forEach((list, step) => {
    list.sort((a, b) => b.count - a.count);
    list.slice(0, per).forEach(n => { rename.set(n.id, n.id); nodes.push(n); });
    const rest = list.slice(per);
    if (rest.length) {
      const id = `${step}:\u0000other`;
      rest.forEach(n => rename.set(n.id, id));
      nodes.push({id, step, label: `${rest.length} others`, count: rest.reduce((t, n) => t + n.count, 0)});
    }
  });
  const sums = new Map();
  answer.edges.forEach(e => {
    const key = `${rename.get(e.source)}\u0001${rename.get(e.target)}`;
    sums.set(key, (sums.get(key) || 0) + e.count);
  });
  const edges = [...sums].map(([key, count]) => {
    const [source, target] = key.split('\u0001');
    return {source, target, count};
  });
  return {nodes, edges};
}

function label(nodes, id) {
  return nodes.find(n => n.id === id)?.label ?? id;
}

function shorten(text) {
  return text.length > 28 ? `${text.slice(0, 27)}…` : text;
}

/** The most nodes any one step has. */
function maxColumn(nodes) {
  const per = new Map();
  nodes.forEach(n => per.set(n.step, (per.get(n.step) || 0) + 1));
  return Math.max(1, ...per.values());
}
customElements.define('hs-paths', HsPaths);

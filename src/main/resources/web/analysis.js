// What the Graph, Funnel, Retention and Paths screens share: date ranges as the query API takes them, the question
// kept in the URL's fragment, a query run with its AbortController, the catalog for the pickers, and the error state.
import {LitElement, html} from 'lit';
import {api, ApiError, isAbort} from './api.js';
import {decodeState, encodeState} from './ui.js';
import {BY_COHORTS, NO_CATALOG, loadCatalog, loadCohorts, propertySelect} from './pickers.js';

/** Relative date ranges (README, "Dates and time zones"), stored as tokens so a link stays relative. */
export const RANGES = [
  ['-7d', 'Last 7 days'], ['-14d', 'Last 14 days'], ['-30d', 'Last 30 days'], ['-90d', 'Last 90 days'],
  ['this_month', 'This month'], ['last_month', 'Last month'], ['-12m', 'Last 12 months'],
];

/** The `from` (and `to` for named periods) of a range token. */
export function rangeQuery(range) {
  const q = {from: range};
  if (/^(today|yesterday|this_|last_)/.test(range)) q.to = range;
  return q;
}

/** The state the URL's fragment holds (#q=…), else `fallback()`. */
export function stateFromUrl(fallback) {
  return decodeState(new URLSearchParams(location.hash.slice(1)).get('q') || '') || fallback();
}

/** Records a committed change of the question in the URL: one history entry each. */
export function stateToUrl(state) {
  history.pushState(null, '', `#q=${encodeState(state)}`);
}

/**
 * Runs `body` as a query for `host` (a LitElement with answer / error / loading / elapsedMs), aborting the one
 * before; an error is kept as an ApiError.
 */
export async function runQuery(host, body) {
  host.ctrl?.abort();
  const ctrl = host.ctrl = new AbortController();
  host.loading = true;
  host.error = null;
  try {
    const started = performance.now();
    const answer = await api('/api/query', {method: 'POST', body, signal: ctrl.signal});
    host.elapsedMs = Math.round(performance.now() - started);
    host.answer = answer;
    host.loading = false;
  } catch (e) {
    if (isAbort(e)) return;
    host.loading = false;
    host.answer = null;
    host.error = e instanceof ApiError ? e : new ApiError(0, {detail: 'The server cannot be reached.'});
  }
}

/** The error state of a query, a timeout in its own words, with Retry. */
export function errorState(error, retry) {
  const timeout = error.problem?.type?.endsWith('query-timeout');
  return html`<hs-state kind="error" @retry=${retry}
    .message=${timeout ? `The query took too long: ${error.message}. Try a shorter date range.` : error.message}
    .details=${error.fieldErrors}></hs-state>`;
}

/** The request's top-level cohort filter for a state that names one (README, "Cohorts"), else nothing. */
export function cohortQuery(s) {
  return s.cohort ? {cohort: Number(s.cohort)} : {};
}

/**
 * The request's breakdown for a state: by a property (its 10 values with most users), or by the cohorts chosen
 * with it (their ids are kept in the state, so a link asks about the same cohorts), else nothing.
 */
export function breakdownQuery(s) {
  if (!s.breakdown) return {};
  if (s.breakdown === BY_COHORTS) return {breakdown: {cohorts: s.breakdownCohorts || []}};
  return {breakdown: {property: s.breakdown, limit: 10}};
}

/** A percentage for people, from a ratio (0.256 → "25.6%"). */
export function percent(ratio) {
  if (ratio == null) return '–';
  return `${(ratio * 100).toLocaleString('en-US', {maximumFractionDigits: 1})}%`;
}

/**
 * An analysis screen: its question (`state`, from and to the URL), the catalog its pickers offer, and the answer of
 * the query `request()` makes of the state, asked again at every committed change.
 */
export class AnalysisScreen extends LitElement {
  static properties = {
    appId: {attribute: 'app-id'}, state: {state: true}, answer: {state: true}, error: {state: true},
    loading: {state: true}, catalog: {state: true}, showTable: {state: true}, cohorts: {state: true},
  };

  /** `fallback()` is the question a new screen starts with. */
  constructor(fallback) {
    super();
    this.state = stateFromUrl(fallback);
    this.catalog = NO_CATALOG;
    this.showTable = false;
    this.cohorts = [];
  }

  connectedCallback() {
    super.connectedCallback();
    this.catalogCtrl = new AbortController();
    loadCatalog(this.appId, this.catalogCtrl.signal).then(c => { this.catalog = c; },
      e => { if (!isAbort(e)) this.catalog = {...this.catalog, failed: e.message}; });
    loadCohorts(this.appId, this.catalogCtrl.signal).then(c => { this.cohorts = c; });
    this.run();
  }

  /** The "Breakdown" control: none, each saved cohort (when there are any), or a built-in or event property. */
  breakdownPicker() {
    const s = this.state;
    return propertySelect('Breakdown', this.catalog, s.breakdown, v => {
      const {breakdownCohorts: _, ...rest} = s;
      // The first 10 cohorts, as the API takes at most 10 in a breakdown.
      this.change(v === BY_COHORTS ? {...rest, breakdown: v, breakdownCohorts: this.cohorts.slice(0, 10).map(c => c.id)}
        : {...rest, breakdown: v});
    }, 'None', this.cohorts.length > 0 || s.breakdown === BY_COHORTS);
  }

  /**
   * The "Users" control: everybody, or only the members of a saved cohort (the request's top-level `cohort`);
   * a cohort that no longer exists stays chosen, by its id, so the answer's error says what happened.
   */
  cohortPicker() {
    const s = this.state;
    const chosen = s.cohort ? String(s.cohort) : '';
    const known = this.cohorts.some(c => String(c.id) === chosen);
    return html`<label>Users <select @change=${e => {
        const {cohort: _, ...rest} = s;
        this.change(e.target.value ? {...rest, cohort: e.target.value} : rest);
      }}>
      <option value="" ?selected=${!chosen}>All users</option>
      ${this.cohorts.map(c => html`<option value=${String(c.id)} ?selected=${String(c.id) === chosen}>In cohort ${c.name}</option>`)}
      ${chosen && !known ? html`<option value=${chosen} selected>In cohort #${chosen}</option>` : ''}
    </select></label>`;
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this.ctrl?.abort();
    this.catalogCtrl?.abort();
  }

  /** Sets the state, records it in the URL (one history entry per committed change) and runs the query. */
  change(next) {
    this.state = next;
    stateToUrl(next);
    this.run();
  }

  run() {
    return runQuery(this, this.request());
  }
}

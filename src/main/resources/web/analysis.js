// What the Funnel, Retention and Paths screens share: date ranges as the query API takes them, the question
// kept in the URL's fragment, a query run with its AbortController, and the error state.
import {html} from 'lit';
import {api, ApiError, isAbort} from './api.js';
import {decodeState, encodeState} from './ui.js';

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

/** A percentage for people, from a ratio (0.256 → "25.6%"). */
export function percent(ratio) {
  if (ratio == null) return '–';
  return `${(ratio * 100).toLocaleString('en-US', {maximumFractionDigits: 1})}%`;
}

// What the Registry screen's parts share: who may change the contract, how moments and problems read, the styles,
// and the version history table.
import {html, css} from 'lit';
import {ApiError, roleAtLeast} from './api.js';

/** Whether the signed-in member changes the registry's contract (architect or admin). */
export function canChange() {
  return roleAtLeast('architect');
}

/** A moment of the API (ISO-8601, UTC) as the registry shows it: date and minute, in UTC. */
export function when(iso) {
  return iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '';
}

/** The message of a failed change, with the field errors the API named. */
export function problemText(e) {
  return e instanceof ApiError ? [e.message, ...e.fieldErrors].join(' · ') : String(e?.message || e);
}

/** Styles every registry part shares. */
export const registryStyles = css`
  .top { display: flex; align-items: center; gap: 12px; margin-bottom: 12px; flex-wrap: wrap; }
  .top h1, .top h2 { margin: 0; }
  h1:focus, h2:focus { outline: none; }
  .spacer { flex: 1; }
  a.new { background: var(--accent); color: #fff; text-decoration: none; border-radius: 6px; padding: 6px 12px; font-weight: 600; }
  .badge { font-size: 11px; font-weight: 600; padding: 1px 6px; border-radius: 4px; background: var(--bg-code); color: var(--muted);
    white-space: nowrap; }
  .badge.approved, .badge.delivered, .badge.clean { background: var(--ok-bg); color: var(--ok); }
  .badge.deprecated, .badge.failed, .badge.violating { background: #fdecea; color: var(--danger); }
  .badge.changed { background: #fff4e5; color: #7a2e0e; border: 1px solid #b54708; }
  .readonly { background: var(--accent-soft); color: var(--accent-text); padding: 8px 12px; border-radius: 6px; margin: 0 0 12px; }
  .flag { background: #fff4e5; border: 1px solid #b54708; border-left-width: 6px; color: #7a2e0e; padding: 10px 14px;
    border-radius: 6px; margin: 0 0 12px; }
  .flag strong { display: block; font-size: 15px; margin-bottom: 2px; }
  .err { color: var(--danger); }
  ul.errs { margin: 8px 0 0; padding-left: 18px; color: var(--danger); }
  fieldset { border: 0; padding: 0; margin: 0; min-width: 0; display: grid; gap: 12px; }
  .actions { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin-top: 12px; }
  section.card { margin-top: 16px; }
  section.card h2 { margin-top: 0; }
  td.when, td.nowrap { white-space: nowrap; }
  td code, th code { overflow-wrap: break-word; }
  .note { font-size: 12px; color: var(--muted); }
  table.props td, table.props th { padding: 4px 6px; vertical-align: middle; }
  table.props input[type=text] { width: 100%; box-sizing: border-box; }
  dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
  dl.facts dt { color: var(--muted); font-size: 12px; }
  dl.facts dd { margin: 0; }
  button:disabled { opacity: .55; cursor: not-allowed; }
  button:disabled:hover { border-color: var(--line); }
  ul.kv { list-style: none; margin: 0; padding: 0; }
  td.event-id code { font-size: 11.5px; word-break: break-all; }
  td, th[scope=row] { vertical-align: top; }
`;

/** A version history (oldest first from the API, shown newest first): version, when, who and what changed. */
export function historyTable(versions, id) {
  if (!versions) return html`<hs-state kind="loading" message="Loading the versions…"></hs-state>`;
  if (!versions.length) return html`<p class="muted">No versions yet.</p>`;
  return html`<table id=${id}><thead><tr><th scope="col" class="num">Version</th><th scope="col">When</th><th scope="col">Who</th>
      <th scope="col">What changed</th></tr></thead>
    <tbody>${[...versions].reverse().map(v => html`<tr><td class="num">${v.version}</td><td class="when">${when(v.changed_at)}</td>
      <td>${v.changed_by || ''}</td><td>${v.deleted ? html`<span class="badge deprecated">deleted</span>` : v.change}</td></tr>`)}</tbody></table>`;
}


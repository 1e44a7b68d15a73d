// What every analysis screen picks from: events (definitions, autocaptured kinds, custom events) and properties
// (built-in session and device ones, and the event properties the catalog has seen), loaded once per screen.
import {html} from 'lit';
import {api} from './api.js';

/** The autocaptured kinds, as "Any <kind>". */
export const KINDS = ['pageview', 'click', 'submit', 'change'];

/** The built-in properties (README, "Built-in properties") a breakdown or filter offers first. */
export const BUILT_INS = [
  ['$channel', 'Channel'], ['$referring_domain', 'Referring domain'], ['$utm_source', 'UTM source'],
  ['$utm_medium', 'UTM medium'], ['$utm_campaign', 'UTM campaign'], ['$landing_path', 'Landing path'],
  ['$browser', 'Browser'], ['$os', 'OS'], ['$device_type', 'Device type'], ['$country', 'Country'],
  ['$path', 'Path'], ['$domain', 'Domain'],
];

/** A stable text key of an event reference ({definition}, {kind}, {kind: 'custom', event}), for a select's value. */
export function eventKey(e) {
  if (e.definition != null) return `d:${e.definition}`;
  if (e.kind === 'custom') return `c:${e.event}`;
  return `k:${e.kind}`;
}

/** The event reference of a key {@link eventKey} made. */
export function eventFromKey(key) {
  const [type, ...rest] = key.split(':');
  const v = rest.join(':');
  if (type === 'd') return {definition: Number(v)};
  if (type === 'c') return {kind: 'custom', event: v};
  return {kind: v};
}

/** An empty catalog, for a screen's first render. */
export const NO_CATALOG = {definitions: [], custom: [], properties: []};

/**
 * The environment's definitions, custom events and event property names from the catalog API. A failure is kept
 * as `failed` (the pickers still offer the built-ins and kinds) rather than thrown.
 */
export async function loadCatalog(appId, signal) {
  const app = encodeURIComponent(appId);
  const [events, props] = await Promise.all([
    api(`/api/catalog/events?app_id=${app}&limit=200`, {signal}),
    api(`/api/catalog/properties?app_id=${app}&scope=event&limit=200`, {signal}),
  ]);
  return {
    definitions: events.definitions || [], custom: events.custom_events || [],
    properties: (props.properties || []).map(p => p.name),
  };
}

/** A labelled select of every event the catalog knows; `onChange` gets the chosen event reference. */
export function eventSelect(label, catalog, event, onChange) {
  const key = eventKey(event);
  const known = catalog.definitions.some(d => key === `d:${d.id}`) || key.startsWith('k:')
      || catalog.custom.some(c => key === `c:${c.name}`);
  return html`<label>${label}
    <select @change=${e => onChange(eventFromKey(e.target.value))}>
      <optgroup label="Definitions">${catalog.definitions.map(d => html`<option value=${`d:${d.id}`} ?selected=${key === `d:${d.id}`}>${d.name}</option>`)}</optgroup>
      <optgroup label="Autocaptured">${KINDS.map(k => html`<option value=${`k:${k}`} ?selected=${key === `k:${k}`}>Any ${k}</option>`)}</optgroup>
      <optgroup label="Custom events">${catalog.custom.map(c => html`<option value=${`c:${c.name}`} ?selected=${key === `c:${c.name}`}>${c.name}</option>`)}</optgroup>
      ${known ? '' : html`<option value=${key} selected>${key.slice(2)}</option>`}
    </select></label>`;
}

/**
 * A labelled select of properties: the built-ins, then the catalog's event properties; `none` names the empty
 * choice (such as "None" for no breakdown). `onChange` gets the property name ('' for none).
 */
export function propertySelect(label, catalog, value, onChange, none = 'None', byCohorts = false) {
  return html`<label>${label}
    <select @change=${e => onChange(e.target.value)} .value=${value || ''}>
      <option value="" ?selected=${!value}>${none}</option>
      ${byCohorts ? html`<optgroup label="Cohorts"><option value=${BY_COHORTS} ?selected=${value === BY_COHORTS}>Each saved cohort</option></optgroup>` : ''}
      <optgroup label="Session and device">${BUILT_INS.map(([k, l]) => html`<option value=${k} ?selected=${value === k}>${l}</option>`)}</optgroup>
      <optgroup label="Event properties">${catalog.properties.map(p => html`<option value=${p} ?selected=${value === p}>${p}</option>`)}</optgroup>
    </select></label>`;
}

/** The environment's saved cohorts for a picker (the first 200: a list to choose from, not a search); [] on failure. */
export function loadCohorts(appId, signal) {
  return api(`/api/cohorts?app_id=${encodeURIComponent(appId)}&limit=200`, {signal}).then(p => p.cohorts || [], () => []);
}

/** The breakdown choice "each saved cohort": not a property name (those never start with @). */
export const BY_COHORTS = '@cohorts';

/** A time of an answer's point as the table shows it: a date for days and longer, with the hour for hours. */
export function formatTime(t, interval) {
  if (typeof t !== 'string') return t;
  return interval === 'hour' ? t.slice(0, 16).replace('T', ' ') : t.slice(0, 10);
}

/**
 * The filter operators the API takes: the symbol of event filters (README, "properties" filters), its label, and
 * the name a cohort's user-property condition writes (README, "Cohorts"; it takes the symbols too).
 */
export const OPS = [['=', 'is', 'eq'], ['!=', 'is not', 'neq'], ['contains', 'contains', 'contains'], ['>', '>', 'gt'],
  ['<', '<', 'lt'], ['>=', '≥', 'gte'], ['<=', '≤', 'lte'], ['is_set', 'is set', 'is_set'], ['is_not_set', 'is not set', 'is_not_set']];

/** Filters as the API takes them: complete rows only, numbers as numbers where a comparison needs one. */
export function filtersRequest(filters) {
  return (filters || []).filter(f => f.key && (f.op === 'is_set' || f.op === 'is_not_set' || f.value !== '')).map(f => {
    if (f.op === 'is_set' || f.op === 'is_not_set') return {key: f.key, op: f.op};
    const numeric = ['>', '<', '>=', '<='].includes(f.op) && f.value.trim() !== '' && !Number.isNaN(Number(f.value));
    return {key: f.key, op: f.op, value: numeric ? Number(f.value) : f.value};
  });
}

/**
 * Rows of property filters (property, operator, value) with Add and Remove; `onChange` gets the new list. A value
 * is taken when its field is left or Enter is pressed, not at every key.
 */
export function filtersEditor(catalog, filters, onChange) {
  const list = filters || [];
  const set = (i, patch) => onChange(list.map((f, j) => (j === i ? {...f, ...patch} : f)));
  return html`<div class="filters" role="group" aria-label="Filters">
    ${list.map((f, i) => html`<div class="row">
      ${propertySelect(`Filter ${i + 1} property`, catalog, f.key, key => set(i, {key}), 'Choose…')}
      <label>Operator <select @change=${e => set(i, {op: e.target.value})}>
        ${OPS.map(([v, l]) => html`<option value=${v} ?selected=${f.op === v}>${l}</option>`)}</select></label>
      ${f.op === 'is_set' || f.op === 'is_not_set' ? '' : html`<label>Value
        <input .value=${f.value || ''} @change=${e => set(i, {value: e.target.value})}></label>`}
      <button aria-label=${`Remove filter ${i + 1}`} @click=${() => onChange(list.filter((_, j) => j !== i))}>Remove</button>
    </div>`)}
    <button @click=${() => onChange([...list, {key: '', op: '=', value: ''}])} ?disabled=${list.length >= 20}>Add filter</button>
  </div>`;
}

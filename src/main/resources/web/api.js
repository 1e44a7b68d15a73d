// The server's JSON API as the app calls it: same-origin cookies, the CSRF token on every change, problem+json
// errors turned into ApiError, and an AbortSignal per request so a screen can drop what it no longer needs.

let csrfToken = null;

/** A failed request: the HTTP status and the server's problem+json body. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }

  /** The field errors of a validation problem, as "field: reason" lines. */
  get fieldErrors() {
    return (this.problem.errors || []).map(e => `${e.field}${e.index != null ? `[${e.index}]` : ''}: ${e.reason || e.message || ''}`);
  }
}

export function setCsrfToken(token) {
  csrfToken = token || null;
}

const ROLES = ['viewer', 'analyst', 'architect', 'admin'];
let signedIn = null;

/** Records who is signed in (GET /api/me's answer), for screens that show or hide what a role may do. */
export function setMe(me) {
  signedIn = me || null;
}

/** The signed-in member ({account, role, via}) or null. */
export function me() {
  return signedIn;
}

/** Whether the signed-in member's role is `role` or above (viewer < analyst < architect < admin). */
export function roleAtLeast(role) {
  return !!signedIn && ROLES.indexOf(signedIn.role) >= ROLES.indexOf(role);
}

/** Whether the signed-in member may change something saved by `owner` (theirs, or architect and above). */
export function mayChange(owner) {
  return roleAtLeast('architect') || (roleAtLeast('analyst') && owner === `account:${signedIn?.account?.id}`);
}

/** Calls the API; resolves to the parsed JSON answer (null for an empty body) or rejects with ApiError. */
export async function api(path, {method = 'GET', body, signal} = {}) {
  const headers = {Accept: 'application/json'};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  const r = await fetch(path, {
    method, headers, signal, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = {detail: text};
    }
  }
  if (!r.ok) throw new ApiError(r.status, data);
  return data;
}

/** Whether an error is the abort of a request the app itself cancelled. */
export function isAbort(e) {
  return e?.name === 'AbortError';
}

/**
 * The public API. The snippet leaves window.hindsight as an array of queued calls with appid and config set;
 * this replaces it with the real API and replays the calls in order. With heapCompat the same API is also
 * window.heap, so a site moving from Heap keeps its heap.track(...) calls.
 */
var VERSION = '0.1.0';
var stub = W['hindsight'] || [];
var APP_ID = stub['appid'] + '', CONFIG = stub['config'] || {}, BLOCKLIST = DEFAULT_BLOCKLIST.slice();
var started = false, beforeStart = [];
// [identity, hash] from identify(identity, {identityHash}), kept across pages: while that identity is current,
// every event carries the hash, which a server that verifies identities requires (see the README).
var HASH_KEY = '_hs_h.' + APP_ID, signed = load(HASH_KEY);
// One page load: the server corrects the clock skew of all of its events alike, so their order survives.
var PAGE_ID = uuid();

/** Event-property calls made before consent wait in memory (nothing in storage) and apply on startTracking(). */
function afterStart(fn) {
  return function () { if (started) fn.apply(null, arguments); else beforeStart.push([fn, arguments]); };
}

/** Stamps an event with identity, session, timing and event properties, and queues it. */
function emit(ev) {
  if (!tracking) return;
  // The event's time is the one the session recorded as its last event, so since_prev_ms chains exactly.
  var s = session(true), t = s.last;
  ev['event_id'] = uuid();
  ev['device_id'] = state.d;
  if (state.i) {
    ev['identity'] = state.i;
    if (signed && signed[0] === state.i) ev['identity_hash'] = signed[1];
  }
  ev['session_id'] = s.id;
  ev['seq'] = s.n;
  ev['page_id'] = PAGE_ID;
  ev['time'] = t;
  ev['session_ms'] = t - s.start;
  ev['since_prev_ms'] = s.prev ? t - s.prev : 0;
  ev['lib'] = 'hindsight-js';
  ev['lib_version'] = VERSION;
  // Event properties belong to events, not to the user's profile.
  ev['properties'] = /^(identify|user_properties)$/.test(ev['kind']) ? ev['properties'] || {} :
    extend(extend({}, s.props || {}), ev['properties'] || {});
  enqueue(ev);
}

function scriptOrigin() {
  var s = D.currentScript, src = s && s.src;
  return src ? src.replace(/\/js\/hindsight\.js.*$/, '') : '';
}

var SERVER = (CONFIG['trackingServer'] || scriptOrigin()).replace(/\/$/, '');
if (SERVER && !/^https?:\/\//.test(SERVER)) SERVER = 'https://' + SERVER;

function start() {
  if (started) { tracking = true; return; }
  started = tracking = true;
  loadState();
  session(false);
  beforeStart.forEach(function (c) { c[0].apply(null, c[1]); });
  startTransport(SERVER);
  startAutocapture();
}

var api = {
  'load': function () { /* already loaded */ },
  'track': function (name, props) {
    if (typeof name == 'string' && name) emit(pageContext({ 'kind': 'custom', 'name': name, 'properties': extend({}, props || {}) }));
  },
  'identify': function (identity, opts) {
    if (identity == null || identity === '') return;
    identity = '' + identity;
    if (!started) return;
    state.i = identity;
    saveState();
    if (opts && opts['identityHash']) save(HASH_KEY, signed = [identity, '' + opts['identityHash']]);
    emit({ 'kind': 'identify', 'identity': identity });
  },
  'resetIdentity': function () {
    if (!started) return;
    state = { d: uuid(), i: null };
    saveState();
    save(HASH_KEY, signed = null);
    newSession();
  },
  // Before identify they are the anonymous user's (the device's); they stay the user's once it is identified.
  'addUserProperties': function (props) {
    if (started) emit({ 'kind': 'user_properties', 'properties': extend({}, props || {}) });
  },
  'addEventProperties': afterStart(setEventProps),
  'setEventProperties': afterStart(setEventProps),
  'removeEventProperty': afterStart(removeEventProp),
  'unsetEventProperty': afterStart(removeEventProp),
  'clearEventProperties': afterStart(clearEventProps),
  'startTracking': start,
  // Nothing more is captured; what was captured before, with consent, is still delivered.
  'stopTracking': function () {
    tracking = false;
    flush();
  },
  'getUserId': function () { return state ? state.d : null; },
  'getIdentity': function () { return state ? state.i : null; },
  'getSessionId': function () { return started ? session(false).id : null; },
  'appid': APP_ID,
  'config': CONFIG,
  'version': VERSION
};

/**
 * A visual labeling link (#hindsight-label=<token>, made for an architect by the server): the token leaves the
 * address bar before any event reads the URL, and the labeling toolbar loads from the server (not part of this
 * bundle, so its size costs sites nothing).
 */
function labeling() {
  var m = /hindsight-label=([\w.-]+)/.exec(location.hash), s;
  if (!m || !SERVER) return;
  history.replaceState(history.state, '', location.pathname + location.search +
    location.hash.replace(/&?hindsight-label=[\w.-]*/, '').replace(/^#$/, ''));
  W['_hsLabel'] = { 'token': m[1], 'appId': APP_ID, 'server': SERVER };
  s = D.createElement('script');
  s.src = SERVER + '/js/labeling.js';
  (D.head || D.documentElement).appendChild(s);
}

(function init() {
  labeling();
  if (CONFIG['secureCookie']) secureCookie = true;
  if (CONFIG['sessionTimeoutMinutes'] > 0) sessionTimeoutMs = CONFIG['sessionTimeoutMinutes'] * 60000;
  (CONFIG['queryBlocklist'] || []).forEach(function (p) { BLOCKLIST.push(('' + p).toLowerCase()); });
  W['hindsight'] = api;
  if (CONFIG['heapCompat']) W['heap'] = api;
  if (CONFIG['startTracking'] !== false) start();
  var calls = stub.slice ? stub.slice() : [];
  for (var i = 0; i < calls.length; i++) {
    var c = calls[i], fn = api[c[0]];
    if (typeof fn == 'function') fn.apply(api, c.slice(1));
  }
})();

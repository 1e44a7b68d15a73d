/**
 * Identity and session state: the device id cookie (_hs_id.<appId>, 13 months, renewed on every load), the
 * identity, the session (ended by 30 minutes without an event, configurable), and event properties, which
 * live as long as the session.
 */
var state = null, sessionTimeoutMs = 30 * 60000, secureCookie = false;

function cookieName() { return '_hs_id.' + APP_ID; }
function sessionKey() { return '_hs_s.' + APP_ID; }

function loadState() {
  var c = null;
  try { c = JSON.parse(getCookie(cookieName()) || 'null'); } catch (e) { c = null; }
  state = { d: (c && c.d) || uuid(), i: (c && c.i) || null };
  saveState();
}

function saveState() {
  setCookie(cookieName(), JSON.stringify({ 'd': state.d, 'i': state.i }), secureCookie);
}

/**
 * The current session, starting a new one (with no event properties) after the inactivity timeout. It also keeps
 * the device's event counter n (the events' seq), which outlives sessions: it orders a device's events.
 */
function session(touch) {
  var s = load(sessionKey()), t = now(), n = s && s.n || 0;
  if (!s || t - s.last > sessionTimeoutMs) s = { id: uuid(), start: t, last: t, prev: 0, props: {}, n: n };
  if (touch) {
    // The server orders the events of one millisecond by seq mod 1000: a new millisecond that starts in the last
    // hundred of a thousand skips to the next thousand, so a run of one millisecond's events never wraps.
    if (t != s.last && n % 1000 > 899) n += 1000 - n % 1000;
    s.n = n + 1;
    // prev is the previous event's time; the session's first event has none (s.e: an event was made).
    s.prev = s.e ? s.last : 0; s.last = t; s.e = 1;
  }
  save(sessionKey(), s);
  return s;
}

function newSession() {
  save(sessionKey(), null);
  session(false);
}

function setEventProps(props) {
  var s = session(false);
  s.props = extend(s.props || {}, props || {});
  save(sessionKey(), s);
}

function removeEventProp(name) {
  var s = session(false);
  delete s.props[name];
  save(sessionKey(), s);
}

function clearEventProps() {
  var s = session(false);
  s.props = {};
  save(sessionKey(), s);
}

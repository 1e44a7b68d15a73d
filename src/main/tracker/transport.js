/**
 * Delivery: events wait in a queue that is mirrored to localStorage, go out in batches every ~2 s, and at once
 * through sendBeacon when the page is hidden or left. A failed send is retried with exponential backoff and
 * jitter; retries reuse each event's event_id, so the server stores an event once however often it arrives.
 *
 * Each page load keeps its queue under its own key (so tabs never overwrite each other) and marks it as
 * abandoned when the page goes away; the next page adopts abandoned queues, and queues whose page stopped
 * beating for a minute, and sends them.
 */
var BATCH_MS = 2000, MAX_BATCH = 100, HEARTBEAT_MS = 5000;
// tracking gates capture only: events captured before stopTracking() are still delivered.
var queue = [], inFlight = 0, attempt = 0, retryAt = 0, pageKey = null, endpoint = '', tracking = false;

function queuePrefix() { return '_hs_q.' + APP_ID + '.'; }

function persistQueue() {
  if (pageKey) save(pageKey, { t: now(), q: queue });
}

function adoptQueues() {
  if (!LS) return;
  var prefix = queuePrefix(), keys = [], i, k, v;
  for (i = 0; i < LS.length; i++) { k = LS.key(i); if (k && k.indexOf(prefix) == 0 && k != pageKey) keys.push(k); }
  for (i = 0; i < keys.length; i++) {
    v = load(keys[i]);
    if (!v || v.t == 0 || now() - v.t > 12 * HEARTBEAT_MS) {
      if (v && v.q) queue = queue.concat(v.q);
      LS.removeItem(keys[i]);
    }
  }
}

var persistTimer = 0;

/**
 * Mirrors the queue to localStorage: at once while it is short (the usual case, as it drains every 2 s), and
 * once per burst when it is long, since serialising a long queue on every click would cost O(queue) each time.
 */
function schedulePersist() {
  if (queue.length <= 20) persistQueue();
  else if (!persistTimer) persistTimer = setTimeout(function () { persistTimer = 0; persistQueue(); }, 250);
}

function enqueue(ev) {
  queue.push(ev);
  schedulePersist();
}

function body(events) {
  return JSON.stringify({ 'app_id': APP_ID, 'sent_at': now(), 'events': events });
}

/** Sends up to MAX_BATCH queued events with fetch; they leave the queue only once the server answered. */
function flush() {
  if (inFlight || !queue.length || now() < retryAt) return;
  // Events leave in the order they were captured, none held back: the server stores them in that order.
  var batch = queue.slice(0, MAX_BATCH), payload = body(batch);
  inFlight = batch.length;
  fetch(endpoint, { method: 'POST', body: payload, keepalive: payload.length < 60000,
    headers: { 'Content-Type': 'text/plain' }, credentials: 'omit' })
    .then(function (r) {
      // 4xx other than 408/429 will not get better by retrying: the server said why, drop them.
      if (r.ok || (r.status >= 400 && r.status < 500 && r.status != 408 && r.status != 429)) return true;
      throw 0;
    })
    .then(function () { settle(batch, true); }, function () { settle(batch, false); });
}

function settle(batch, ok) {
  inFlight = 0;
  if (ok) {
    var sent = {};
    batch.forEach(function (e) { sent[e['event_id']] = 1; });
    queue = queue.filter(function (e) { return !sent[e['event_id']]; });
    attempt = 0; retryAt = 0;
    persistQueue();
    if (queue.length) flush();
  } else {
    attempt++;
    retryAt = now() + Math.min(60000, 1000 * Math.pow(2, attempt - 1)) * (0.5 + Math.random());
  }
}

/** The page is going away: hand everything to sendBeacon and leave the queue for the next page to confirm. */
function flushOnExit() {
  if (queue.length) {
    for (var i = 0; i < queue.length; i += MAX_BATCH) {
      var payload = body(queue.slice(i, i + MAX_BATCH));
      if (!(navigator.sendBeacon && navigator.sendBeacon(endpoint, new Blob([payload], { type: 'text/plain' })))) {
        try { fetch(endpoint, { method: 'POST', body: payload, keepalive: true, headers: { 'Content-Type': 'text/plain' }, credentials: 'omit' }); } catch (e) { /* next page retries */ }
      }
    }
  }
  // A beacon is not a receipt: keep the events, marked abandoned, so the next page resends them (deduplicated).
  if (pageKey) save(pageKey, { t: 0, q: queue });
}

function startTransport(server) {
  endpoint = server + '/h';
  pageKey = queuePrefix() + PAGE_ID;
  adoptQueues();
  persistQueue();
  setInterval(function () { persistQueue(); flush(); }, BATCH_MS);
  W.addEventListener('online', function () { retryAt = 0; flush(); });
  W.addEventListener('pagehide', flushOnExit);
  D.addEventListener('visibilitychange', function () {
    if (D.visibilityState == 'hidden') flushOnExit();
    else persistQueue();
  });
  setTimeout(flush, 0);
}

/**
 * Autocapture: capture-phase listeners on document for clicks, submits and changes, and pageviews on load
 * and on every SPA URL change (pushState, replaceState, popstate, hashchange; one per actual change).
 */
var MEANINGFUL = 'a,button,[role=button],input,label,select,textarea,[data-hs-id],[data-heap-id]';
var lastUrl = null, recentClicks = [];

/** The page part of every event: url and referrer without blocked query parameters, title, viewport. */
function pageContext(ev) {
  ev['url'] = scrubUrl(location.href, BLOCKLIST);
  ev['title'] = D.title;
  if (D.referrer) ev['referrer'] = scrubUrl(D.referrer, BLOCKLIST);
  ev['viewport_width'] = W.innerWidth;
  ev['viewport_height'] = W.innerHeight;
  return ev;
}

function pageview() {
  if (location.href == lastUrl) return;
  lastUrl = location.href;
  if (!CONFIG['disablePageviewAutocapture']) emit(pageContext({ 'kind': 'pageview' }));
}

function patchHistory(name) {
  var original = history[name];
  history[name] = function () {
    var r = original.apply(this, arguments);
    setTimeout(pageview, 0);
    return r;
  };
}

/** The element a click counts for: the nearest meaningful one on the composed path, else the one clicked. */
function clickTarget(e) {
  var path = e.composedPath ? e.composedPath() : [e.target], i, el;
  for (i = 0; i < path.length; i++) {
    el = path[i];
    if (el.nodeType == 1 && el.matches && el.matches(MEANINGFUL)) return el;
    if (el == D.body) break;
  }
  for (i = 0; i < path.length; i++) if (path[i].nodeType == 1) return path[i];
  return null;
}

function isPassword(el) { return tagOf(el) == 'input' && (el.type || '').toLowerCase() == 'password'; }

/** Visible text of the target: collapsed, at most 255 characters, scrubbed or redacted; never input values. */
function textOf(el) {
  if (CONFIG['disableTextCapture'] || /^(input|select|textarea)$/.test(tagOf(el))) return null;
  if (hasRedactedText(el)) return REDACTED;
  // Scrubbed before the cut, so a pattern across the limit cannot leave a piece behind; 512 bounds the regex work.
  var t = scrubText(elementText(el).replace(/\s+/g, ' ').trim().slice(0, 512)).slice(0, 255).trim();
  return t || null;
}

function elementEvent(kind, el) {
  var ev = pageContext({ 'kind': kind, 'hierarchy': hierarchy(el) }), t = textOf(el);
  if (t) ev['text'] = t;
  if (el.href && typeof el.href == 'string' && !redactedAttributes(el)['href']) ev['href'] = scrubUrl(el.href, BLOCKLIST);
  return ev;
}

function onClick(e) {
  var el = clickTarget(e);
  if (!el || isIgnored(el) || isPassword(el)) return;
  var ev = elementEvent('click', el), t = now();
  recentClicks = recentClicks.filter(function (c) {
    return t - c.t < 1000 && Math.abs(c.x - e.clientX) <= 30 && Math.abs(c.y - e.clientY) <= 30;
  });
  // Ten are plenty to tell a burst: older ones of the same burst were marked when it reached three.
  recentClicks = recentClicks.slice(-9);
  recentClicks.push({ t: t, x: e.clientX, y: e.clientY, ev: ev });
  if (recentClicks.length >= 3) {
    // The earlier clicks of the burst may still wait in the queue: mark them too (enqueue persists the change).
    recentClicks.forEach(function (c) { (c.ev['properties'] = c.ev['properties'] || {})['rage_click'] = true; });
  }
  emit(ev);
}

function onSubmit(e) {
  var form = e.target;
  if (tagOf(form) != 'form' || isIgnored(form)) return;
  var names = [], i, f;
  for (i = 0; i < form.elements.length; i++) {
    f = form.elements[i];
    if (f.name && names.indexOf(f.name) < 0 && !isIgnored(f)) names.push(f.name);
  }
  var ev = elementEvent('submit', form);
  delete ev['text'];
  ev['properties'] = { 'form_id': form.id || null, 'form_name': attr(form, 'name'), 'form_action': attr(form, 'action'),
    'form_method': (attr(form, 'method') || 'get').toLowerCase(), 'form_fields': names.join(',') };
  emit(ev);
}

function onChange(e) {
  var el = e.composedPath ? e.composedPath()[0] : e.target;
  if (!el || !/^(input|select|textarea)$/.test(tagOf(el)) || isIgnored(el) || isPassword(el)) return;
  var ev = elementEvent('change', el);
  ev['properties'] = { 'field_name': el.name || null, 'field_type': (el.type || tagOf(el)).toLowerCase() };
  emit(ev);
}

function startAutocapture() {
  D.addEventListener('click', onClick, true);
  D.addEventListener('submit', onSubmit, true);
  D.addEventListener('change', onChange, true);
  patchHistory('pushState');
  patchHistory('replaceState');
  W.addEventListener('popstate', pageview);
  W.addEventListener('hashchange', pageview);
  pageview();
}

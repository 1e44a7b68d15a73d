/**
 * Autocapture: capture-phase listeners on document for clicks, submits and changes, and pageviews on load
 * and on every SPA URL change (pushState, replaceState, popstate, hashchange; one per actual change).
 */
var MEANINGFUL = 'a,button,[role=button],input,label,select,textarea,[data-hs-id],[data-heap-id]';
var lastUrl = null, recentClicks = [];

/** The page part of every event: url and referrer without blocked query parameters, title (scrubbed), viewport. */
function pageContext(ev) {
  ev['url'] = scrubUrl(location.href);
  ev['title'] = scrubText(D.title.slice(0, 2048));
  if (D.referrer) ev['referrer'] = scrubUrl(D.referrer);
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
  // wellFormed again after the cut, which may split a surrogate pair.
  var t = wellFormed(scrubText(elementText(el).replace(/\s+/g, ' ').trim().slice(0, 512)).slice(0, 255).trim());
  return t || null;
}

function elementEvent(kind, el) {
  var ev = pageContext({ 'kind': kind, 'hierarchy': hierarchy(el) }), t = textOf(el);
  if (t) ev['text'] = t;
  if (el.href && typeof el.href == 'string' && !redactedAttributes(el)['href']) ev['href'] = scrubText(scrubUrl(el.href));
  return ev;
}

function onClick(e) {
  watchShadowRoots(e);
  var el = clickTarget(e);
  if (!el || isIgnored(el) || isPassword(el)) return;
  var ev = elementEvent('click', el), t = now();
  recentClicks = recentClicks.filter(function (c) {
    return t - c.t < 1000 && Math.abs(c.x - e.clientX) <= 30 && Math.abs(c.y - e.clientY) <= 30;
  });
  recentClicks = recentClicks.slice(-9);
  recentClicks.push({ t: t, x: e.clientX, y: e.clientY });
  // The third click of a burst and those after it are marked; the earlier ones have already gone, as nothing is
  // held back (holding clicks back once stored them after what their own handlers tracked).
  if (recentClicks.length >= 3) ev['properties'] = { 'rage_click': true };
  emit(ev);
}

/**
 * Listens inside the open shadow roots an event passed through: submit and change do not leave a shadow root, so
 * the document never sees them. A field is focused (focusin) and a button clicked before they fire.
 */
function watchShadowRoots(e) {
  var p = e.composedPath ? e.composedPath() : [];
  for (var i = 0; i < p.length; i++) {
    if (p[i].nodeType == 11 && p[i].host && !p[i]['_hs']) {
      p[i]['_hs'] = 1;
      p[i].addEventListener('submit', onSubmit, true);
      p[i].addEventListener('change', onChange, true);
    }
  }
}

function onSubmit(e) {
  var form = e.target;
  if (tagOf(form) != 'form') return;
  // A GET form puts its fields into the next page's URL: that page strips the secret ones it learns of here.
  learnSecretFields(form);
  if (isIgnored(form)) return;
  var names = [], i, f;
  for (i = 0; i < form.elements.length; i++) {
    f = form.elements[i];
    if (f.name && names.indexOf(f.name) < 0 && !isIgnored(f)) names.push(f.name);
  }
  var ev = elementEvent('submit', form);
  delete ev['text'];
  ev['properties'] = wellFormedValues({ 'form_id': form.id || null, 'form_name': attr(form, 'name'),
    'form_action': attr(form, 'action'), 'form_method': (attr(form, 'method') || 'get').toLowerCase(),
    'form_fields': names.join(',') });
  emit(ev);
}

function onChange(e) {
  var el = e.composedPath ? e.composedPath()[0] : e.target;
  if (!el || !/^(input|select|textarea)$/.test(tagOf(el)) || isIgnored(el) || isPassword(el)) return;
  var ev = elementEvent('change', el);
  ev['properties'] = wellFormedValues({ 'field_name': el.name || null, 'field_type': (el.type || tagOf(el)).toLowerCase() });
  emit(ev);
}

/** The page's names in captured properties, with unpaired surrogates replaced (see wellFormed). */
function wellFormedValues(props) {
  for (var k in props) if (typeof props[k] == 'string') props[k] = wellFormed(props[k]);
  return props;
}

function startAutocapture() {
  D.addEventListener('click', onClick, true);
  D.addEventListener('submit', onSubmit, true);
  D.addEventListener('change', onChange, true);
  D.addEventListener('focusin', watchShadowRoots, true);
  patchHistory('pushState');
  patchHistory('replaceState');
  W.addEventListener('popstate', pageview);
  W.addEventListener('hashchange', pageview);
  pageview();
}

/**
 * Hindsight's visual labeling toolbar. The tracker loads it when a page is opened with a labeling link
 * (#hindsight-label=<token>) and leaves {token, appId, server} in window._hsLabel. It lives in a Shadow DOM
 * (the site's CSS cannot reach it) and:
 *   - highlights the capturable element under the pointer (the tracker's click rule: the nearest "meaningful"
 *     element), showing a proposed selector, its text, the page scope and how many past clicks match;
 *   - on a click (intercepted: the site neither follows nor records it) proposes a definition, with its name,
 *     selector and page scope editable, and saves it without leaving the site.
 * Counts come from POST /api/environments/{appId}/labeling/count, which counts as every analysis does.
 */
(function () {
  'use strict';
  var CFG = window._hsLabel;
  if (!CFG || window._hsLabeler) return;
  window._hsLabeler = true;
  var MEANINGFUL = 'a,button,[role=button],input,label,select,textarea,[data-hs-id],[data-heap-id]';
  var STABLE_ATTRS = ['data-hs-id', 'data-heap-id', 'data-testid', 'data-test-id', 'data-test', 'data-cy', 'data-qa'];
  var base = CFG.server + '/api/environments/' + encodeURIComponent(CFG.appId) + '/labeling';

  // ---- selectors -------------------------------------------------------------------------------------------

  /** Whether a class or id looks generated (CSS-in-JS, CSS modules, hashes, framework ids) rather than chosen. */
  function generated(s) {
    return /^(css|sc|jsx|emotion|styled|svelte|astro|tw|chakra|mui|Mui[A-Za-z]*)-[A-Za-z0-9_-]*\d/.test(s)
      || /^(css|sc|jsx|svelte)-[a-z0-9]{4,}$/i.test(s)
      || /__[A-Za-z0-9_-]{4,}$/.test(s) && /\d/.test(s)
      || /[0-9a-f]{6,}/i.test(s) && /\d/.test(s)
      || /^[A-Za-z]{1,3}[0-9][A-Za-z0-9]{3,}$/.test(s)
      || /\d{4,}/.test(s)
      || /[:[\]\/@!]/.test(s)
      || /^:r[0-9a-z]+:$/.test(s)
      || s.length > 40;
  }

  /** State classes that come and go (hover, focus, open...): a selector with them would miss past clicks. */
  function stateClass(c) {
    return /^(is-|has-)?(active|hover|hovered|focus|focused|selected|open|opened|disabled|visible|hidden|current|show|shown|loading|checked)$/i.test(c);
  }

  function quote(v) {
    return '"' + v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\a ') + '"';
  }

  /** An attribute value worth a selector: short, and nothing the tracker would scrub or cut. */
  function usableValue(v) {
    return v != null && v.trim() !== '' && v.length <= 100 && !/@|\d{5,}/.test(v);
  }

  function tag(el) { return el.tagName.toLowerCase(); }

  function unique(sel, el) {
    try {
      var all = document.querySelectorAll(sel);
      return all.length === 1 && all[0] === el;
    } catch (e) { return false; }
  }

  function matches(el, sel) {
    try { return el.matches(sel); } catch (e) { return false; }
  }

  /** The candidates for el itself, best first: id, stable data ids, name, aria-label, tag with stable classes. */
  function ownCandidates(el) {
    var out = [], t = tag(el), id = el.getAttribute('id'), i, v;
    if (id && !generated(id)) out.push('#' + CSS.escape(id));
    for (i = 0; i < STABLE_ATTRS.length; i++) {
      v = el.getAttribute(STABLE_ATTRS[i]);
      if (usableValue(v)) out.push(t + '[' + STABLE_ATTRS[i] + '=' + quote(v) + ']');
    }
    v = el.getAttribute('name');
    if (usableValue(v)) out.push(t + '[name=' + quote(v) + ']');
    v = el.getAttribute('aria-label');
    if (usableValue(v)) out.push(t + '[aria-label=' + quote(v) + ']');
    var classes = Array.prototype.filter.call(el.classList, function (c) { return !generated(c) && !stateClass(c); });
    if (classes.length) out.push(t + classes.slice(0, 3).map(function (c) { return '.' + CSS.escape(c); }).join(''));
    if (el.getAttribute('href') && usableValue(el.getAttribute('href'))) {
      out.push(t + '[href=' + quote(el.getAttribute('href')) + ']');
    }
    out.push(t);
    return out;
  }

  /** The nearest ancestor with a stable id or data id, as a selector, or null. */
  function anchor(el) {
    for (var p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      var id = p.getAttribute('id');
      if (id && !generated(id)) return '#' + CSS.escape(id);
      for (var i = 0; i < STABLE_ATTRS.length; i++) {
        var v = p.getAttribute(STABLE_ATTRS[i]);
        if (usableValue(v)) return '[' + STABLE_ATTRS[i] + '=' + quote(v) + ']';
      }
    }
    return null;
  }

  /**
   * The proposed selector: the first candidate that picks out el alone on the page, else the first one scoped
   * under a stable ancestor that does, else the best one (it then also matches elements like el, which a
   * definition often wants). It always matches el.
   */
  function propose(el) {
    var own = ownCandidates(el).filter(function (s) { return matches(el, s); }), i, a = anchor(el), s;
    for (i = 0; i < own.length; i++) if (unique(own[i], el)) return own[i];
    if (a) {
      for (i = 0; i < own.length; i++) {
        s = a + ' ' + own[i];
        if (unique(s, el)) return s;
      }
    }
    return own[0];
  }

  function textOf(el) {
    if (/^(input|select|textarea)$/.test(tag(el))) return '';
    return (el.innerText || el.textContent || '').replace(/\s+/g, ' ').trim().slice(0, 120);
  }

  /** The element a click there would count for: the tracker's rule (nearest meaningful element). */
  function target(path) {
    for (var i = 0; i < path.length; i++) {
      var el = path[i];
      if (el === host) return null;
      if (el.nodeType === 1 && el.matches && el.matches(MEANINGFUL)) return el;
      if (el === document.body) break;
    }
    return null;
  }

  // ---- the toolbar -----------------------------------------------------------------------------------------

  var host = document.createElement('hindsight-labeler');
  // Inline !important declarations win over the site's, even its !important ones.
  host.setAttribute('style', 'all: initial !important; display: block !important; position: fixed !important; '
    + 'inset: 0 auto auto 0 !important; width: 0 !important; height: 0 !important; z-index: 2147483647 !important; '
    + 'visibility: visible !important; opacity: 1 !important; transform: none !important; filter: none !important;');
  // The tracker ignores what happens in the toolbar (its ignore rule crosses the shadow boundary).
  host.setAttribute('data-hs-ignore', '');
  // Open, so tests and assistive tools can reach it; the site's CSS cannot either way.
  var root = host.attachShadow({ mode: 'open' });
  root.innerHTML = '<style>'
    + ':host { all: initial; }'
    + '* { box-sizing: border-box; }'
    + '.box { position: fixed; pointer-events: none; border: 2px solid #2563eb; background: rgba(37,99,235,.12);'
    + '  border-radius: 3px; display: none; z-index: 1; }'
    + '.box.on { display: block; } .box.picked { border-color: #16a34a; background: rgba(22,163,74,.14); }'
    + '.panel { position: fixed; right: 16px; bottom: 16px; width: 360px; max-width: calc(100vw - 32px);'
    + '  font: 13px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111827; background: #fff;'
    + '  border: 1px solid #d1d5db; border-radius: 8px; box-shadow: 0 8px 24px rgba(0,0,0,.18); padding: 12px 14px;'
    + '  z-index: 2; text-align: left; }'
    + '.head { display: flex; align-items: center; justify-content: space-between; gap: 8px; margin-bottom: 8px; }'
    + '.title { font-weight: 600; font-size: 14px; white-space: nowrap; }'
    + '.who { color: #4b5563; font-size: 12px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap;'
    + '  margin: -4px 0 8px; }'
    + '.panel.left { right: auto; left: 16px; }'
    + 'dl { margin: 0; display: grid; grid-template-columns: 70px 1fr; gap: 4px 8px; }'
    + 'dt { color: #6b7280; } dd { margin: 0; overflow-wrap: anywhere; }'
    + 'code { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; background: #f3f4f6; padding: 1px 4px;'
    + '  border-radius: 3px; }'
    + '.count { font-weight: 600; }'
    + 'label { display: block; margin-top: 8px; color: #374151; font-weight: 500; }'
    + 'input { display: block; width: 100%; margin-top: 3px; padding: 5px 7px; font: inherit; color: #111827;'
    + '  background: #fff; border: 1px solid #9ca3af; border-radius: 5px; }'
    + 'input.mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }'
    + '.row { display: flex; gap: 8px; margin-top: 10px; align-items: center; }'
    + 'button { font: inherit; padding: 5px 12px; border-radius: 5px; border: 1px solid #9ca3af; background: #fff;'
    + '  color: #111827; cursor: pointer; }'
    + 'button.primary { background: #1d4ed8; border-color: #1d4ed8; color: #fff; }'
    + 'button:disabled { opacity: .6; cursor: default; }'
    + '.hint { color: #4b5563; } .warn { color: #b45309; } .error { color: #b91c1c; } .ok { color: #15803d; }'
    + '.msg { margin-top: 8px; }'
    + '</style>'
    + '<div class="box" part="box"></div>'
    + '<section class="panel" role="dialog" aria-label="Hindsight labeling">'
    + '  <div class="head"><span class="title">Hindsight labeling</span>'
    + '    <button type="button" class="close" aria-label="Close labeling">Close</button></div>'
    + '  <div class="who"></div>'
    + '  <div class="body"><p class="hint">Checking the labeling link…</p></div>'
    + '</section>';
  var box = root.querySelector('.box'), panel = root.querySelector('.panel'), body = root.querySelector('.body'), who = root.querySelector('.who');
  var hovered = null, picked = null, ready = false, refused = false, counts = {};

  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]; });
  }

  function call(path, payload) {
    return fetch(base + path, {
      method: 'POST', mode: 'cors', credentials: 'omit',
      headers: { 'Authorization': 'Bearer ' + CFG.token, 'Content-Type': 'application/json' },
      body: JSON.stringify(payload)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) {
          var e = new Error(j.detail || j.title || ('HTTP ' + r.status));
          e.status = r.status;
          e.fields = j.errors || [];
          throw e;
        }
        return j;
      });
    });
  }

  function refuse(e) {
    refused = true;
    hide();
    body.innerHTML = '<p class="error" role="alert">' + (e.status === 401
      ? 'This labeling link has expired or is not valid. Get a new one from Hindsight.'
      : esc(e.message || 'Hindsight could not be reached.')) + '</p>';
  }

  /** The count of past clicks matching selector on path (cached), as the analyses count them. */
  function count(selector, path) {
    var key = selector + '\n' + path;
    if (!counts[key]) {
      counts[key] = call('/count', { selector: selector, path: path || null }).catch(function (e) {
        delete counts[key];
        throw e;
      });
    }
    return counts[key];
  }

  function place(target, cls) {
    var r = target.getBoundingClientRect();
    box.style.left = (r.left - 2) + 'px';
    box.style.top = (r.top - 2) + 'px';
    box.style.width = (r.width + 4) + 'px';
    box.style.height = (r.height + 4) + 'px';
    box.className = 'box on' + (cls ? ' ' + cls : '');
    // The panel moves to the other corner when it would cover the element.
    var p = panel.getBoundingClientRect();
    if (r.right > p.left && r.left < p.right && r.bottom > p.top && r.top < p.bottom) panel.classList.toggle('left');
  }

  function hide() { box.className = 'box'; }

  function countText(n) { return n === 1 ? '1 past click' : n.toLocaleString() + ' past clicks'; }

  function showCount(node, selector, path) {
    node.textContent = 'counting…';
    count(selector, path).then(function (j) {
      node.textContent = countText(j.count) + ' in the last 30 days';
      node.setAttribute('data-count', String(j.count));
    }, function (e) {
      if (e.status === 401) return refuse(e);
      node.textContent = e.message;
      node.className = 'error';
    });
  }

  function hoverPanel(t) {
    var selector = propose(t), path = location.pathname, text = textOf(t);
    body.innerHTML = '<dl>'
      + '<dt>Selector</dt><dd><code class="selector">' + esc(selector) + '</code></dd>'
      + '<dt>Text</dt><dd class="text">' + (text ? esc(text) : '<span class="hint">(none)</span>') + '</dd>'
      + '<dt>Page</dt><dd><code class="path">' + esc(path) + '</code></dd>'
      + '<dt>Clicks</dt><dd><span class="count" aria-live="polite"></span></dd>'
      + '</dl><p class="hint msg">Click the element to define an event.</p>';
    showCount(body.querySelector('.count'), selector, path);
  }

  function idle() {
    body.innerHTML = '<p class="hint">Point at a button, link or field of the page to see how it would be '
      + 'defined and how many past clicks match. Click it to define an event.</p>';
  }

  function suggestName(t) {
    var text = textOf(t) || t.getAttribute('aria-label') || t.getAttribute('name') || t.getAttribute('id') || tag(t);
    return 'Clicked ' + text.slice(0, 60);
  }

  function pick(t) {
    picked = t;
    place(t, 'picked');
    var selector = propose(t), path = location.pathname;
    body.innerHTML = '<form class="define" novalidate>'
      + '<label>Event name<input name="name" class="name" required maxlength="200" autocomplete="off"></label>'
      + '<label>Selector<input name="selector" class="selector mono" required maxlength="1000" spellcheck="false" autocomplete="off"></label>'
      + '<label>Page (* matches anything; empty: all pages)<input name="path" class="path mono" maxlength="1000" spellcheck="false" autocomplete="off"></label>'
      + '<p class="msg"><span class="count" aria-live="polite"></span> <span class="match"></span></p>'
      + '<div class="row"><button type="submit" class="primary save">Save</button>'
      + '<button type="button" class="cancel">Cancel</button></div>'
      + '<p class="msg result" role="status"></p></form>';
    var form = body.querySelector('form'), name = form.querySelector('.name'), sel = form.querySelector('.selector'),
      pth = form.querySelector('.path'), cnt = form.querySelector('.count'), match = form.querySelector('.match'),
      result = form.querySelector('.result'), save = form.querySelector('.save'), timer = null;
    name.value = suggestName(t);
    sel.value = selector;
    pth.value = path;
    function recount() {
      var s = sel.value.trim(), p = pth.value.trim();
      match.textContent = '';
      match.className = 'match';
      if (s && !matches(t, s)) {
        match.textContent = 'This selector does not match the element you picked.';
        match.className = 'match warn';
      }
      if (!s) { cnt.textContent = ''; return; }
      showCount(cnt, s, p);
    }
    function later() { clearTimeout(timer); timer = setTimeout(recount, 300); }
    sel.addEventListener('input', later);
    pth.addEventListener('input', later);
    recount();
    form.querySelector('.cancel').addEventListener('click', function () { picked = null; hide(); idle(); });
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      result.textContent = 'Saving…';
      result.className = 'msg result hint';
      save.disabled = true;
      call('/definitions', { name: name.value.trim(), selector: sel.value.trim(), path: pth.value.trim() || null })
        .then(function (d) {
          result.textContent = 'Saved "' + d.name + '" (definition ' + d.id + ', a draft).';
          result.className = 'msg result ok';
          result.setAttribute('data-definition', String(d.id));
          save.disabled = false;
        }, function (err) {
          if (err.status === 401) return refuse(err);
          var f = (err.fields || []).map(function (x) { return x.field + ' ' + x.message; }).join('; ');
          result.textContent = 'Not saved: ' + (f || err.message);
          result.className = 'msg result error';
          save.disabled = false;
        });
    });
    name.focus();
    name.select();
  }

  function inside(e) { return e.composedPath().indexOf(host) >= 0; }

  function onMove(e) {
    if (!ready || refused || picked || inside(e)) return;
    var t = target(e.composedPath());
    if (t === hovered) return;
    hovered = t;
    if (!t) { hide(); idle(); return; }
    place(t);
    hoverPanel(t);
  }

  // Clicks on the page pick an element: the site's own handlers (and the tracker) never see them.
  function onClick(e) {
    if (refused || inside(e)) return;
    var t = target(e.composedPath());
    e.preventDefault();
    e.stopImmediatePropagation();
    if (!ready || !t) return;
    pick(t);
  }

  function block(e) {
    if (!refused && !inside(e)) { e.preventDefault(); e.stopImmediatePropagation(); }
  }

  function stop() {
    window.removeEventListener('mousemove', onMove, true);
    window.removeEventListener('click', onClick, true);
    ['mousedown', 'mouseup', 'pointerdown', 'pointerup', 'submit', 'auxclick', 'dblclick'].forEach(function (t) {
      window.removeEventListener(t, block, true);
    });
    host.remove();
    window._hsLabeler = false;
  }

  root.querySelector('.close').addEventListener('click', stop);
  window.addEventListener('mousemove', onMove, true);
  window.addEventListener('click', onClick, true);
  ['mousedown', 'mouseup', 'pointerdown', 'pointerup', 'submit', 'auxclick', 'dblclick'].forEach(function (t) {
    window.addEventListener(t, block, true);
  });
  window.addEventListener('scroll', function () { if (picked) place(picked, 'picked'); else if (hovered) place(hovered); }, true);
  document.documentElement.appendChild(host);

  call('/count', {}).then(function (j) {
    ready = true;
    who.textContent = 'As ' + j.member + ', until ' + new Date(j.expires_at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    who.title = who.textContent;
    idle();
  }, refuse);
})();

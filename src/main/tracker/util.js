/** Shared helpers. Every top-level name here is private to the IIFE the build wraps around the tracker. */
var W = window, D = document, LS = null;
try { LS = W.localStorage; LS.setItem('_hs_t', '1'); LS.removeItem('_hs_t'); } catch (e) { LS = null; }

function now() { return Date.now(); }

/** A random UUID v4: crypto.randomUUID where it exists, getRandomValues otherwise. */
function uuid() {
  var c = W.crypto;
  if (c && c.randomUUID) return c.randomUUID();
  var b = new Uint8Array(16), h = [], i;
  c.getRandomValues(b);
  b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
  for (i = 0; i < 16; i++) h.push((b[i] + 256).toString(16).slice(1));
  h = h.join('');
  return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
}

function load(key) {
  try { var v = LS && LS.getItem(key); return v ? JSON.parse(v) : null; } catch (e) { return null; }
}

function save(key, value) {
  try { if (LS) { if (value == null) LS.removeItem(key); else LS.setItem(key, JSON.stringify(value)); } } catch (e) { /* quota: drop */ }
}

function getCookie(name) {
  var m = D.cookie.match(new RegExp('(?:^|; )' + name.replace(/\./g, '\\.') + '=([^;]*)'));
  return m ? decodeURIComponent(m[1]) : null;
}

/** Sets a first-party cookie for 13 months (renewed on every load), SameSite=Lax, Secure on https or when asked. */
function setCookie(name, value, secure) {
  D.cookie = name + '=' + encodeURIComponent(value) + '; path=/; max-age=' + (396 * 86400) + '; SameSite=Lax' +
    (secure || location.protocol == 'https:' ? '; Secure' : '');
}

function extend(target, src) {
  for (var k in src) if (Object.prototype.hasOwnProperty.call(src, k)) target[k] = src[k];
  return target;
}

function attr(el, name) { return el.getAttribute ? el.getAttribute(name) : null; }

function tagOf(el) { return el && el.tagName ? el.tagName.toLowerCase() : ''; }

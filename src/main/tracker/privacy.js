/** What may leave the browser: ignored subtrees, redaction, PII patterns in text, and blocked query parameters. */
// The same list as the server's (dev.hindsight.privacy.QueryBlocklist.DEFAULTS): keep them equal.
var DEFAULT_BLOCKLIST = ['token', 'session_id', 'api_key', 'access_token', 'client_secret', 'email', 'reset_token',
  'password', 'pw', 'pwd', 'pass', 'passwd', 'passcode', 'secret', 'ssn', 'cc', 'ccnum', 'cc_number', 'card_number',
  'cardnumber', 'cvv', 'cvv2', 'cvc', 'csc'];
var SECRET_FIELDS = 'input[type=password],input[autocomplete^=cc-]';
var REDACTED = '****';

var IGNORE = '.hs-ignore,.heap-ignore,[data-hs-ignore]', REDACT_TEXT = '[data-hs-redact-text]';

/** Whether el or an ancestor (through shadow hosts) opts out of capture entirely. */
function isIgnored(el) {
  for (; el; el = el.parentNode || el.host) {
    if (el.nodeType == 1 && el.matches(IGNORE)) return true;
  }
  return false;
}

/**
 * The text of el without the text of ignored descendants, with that of redacted descendants replaced by ****.
 * innerText when el holds neither (the common case); else a walk over its nodes.
 */
function elementText(el) {
  if (!el.querySelector(IGNORE + ',' + REDACT_TEXT)) return el.innerText || el.textContent || '';
  var out = '';
  (function walk(n) {
    for (n = n.firstChild; n; n = n.nextSibling) {
      if (n.nodeType == 3) out += n.data;
      else if (n.nodeType == 1 && !n.matches(IGNORE + ',script,style,template')) {
        if (n.matches(REDACT_TEXT)) out += REDACTED; else walk(n);
      }
    }
  })(el);
  return out;
}

function hasRedactedText(el) {
  for (; el; el = el.parentNode || el.host) {
    if (el.nodeType == 1 && el.matches(REDACT_TEXT)) return true;
  }
  return false;
}

/** The attribute names an element or its ancestors ask to blank (data-hs-redact-attributes="a,b"). */
function redactedAttributes(el) {
  var out = {};
  for (; el; el = el.parentNode || el.host) {
    var v = el.nodeType == 1 && el.getAttribute('data-hs-redact-attributes');
    if (v) v.split(',').forEach(function (a) { out[a.trim().toLowerCase()] = 1; });
  }
  return out;
}

function luhn(digits) {
  var sum = 0, alt = false;
  for (var i = digits.length - 1; i >= 0; i--) {
    var n = +digits.charAt(i);
    if (alt) { n *= 2; if (n > 9) n -= 9; }
    sum += n; alt = !alt;
  }
  return sum % 10 == 0;
}

/**
 * Replaces what looks like an email, a Luhn-valid card number, a US SSN or a phone number with ****, and an unpaired
 * surrogate with U+FFFD (it has no UTF-8 form, so the server could not take it).
 */
function scrubText(s) {
  return wellFormed(s)
    .replace(/[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[a-z]{2,}/gi, REDACTED)
    .replace(/\b(?:\d[ -]?){12,18}\d\b/g, function (m) { return luhn(m.replace(/\D/g, '')) ? REDACTED : m; })
    .replace(/\b\d{3}-\d{2}-\d{4}\b/g, REDACTED)
    .replace(/(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?|\b\d{2,4}[ .-])\d{3,4}[ .-]\d{3,4}\b/g, REDACTED);
}

/** s with each unpaired surrogate replaced by U+FFFD (pairs match first, so only lone halves are replaced). */
function wellFormed(s) {
  return s.replace(/[\ud800-\udbff][\udc00-\udfff]|[\ud800-\udfff]/g, function (c) { return c.length > 1 ? c : '\ufffd'; });
}

function secretKey() { return '_hs_f.' + APP_ID; }

/** Remembers the names of a form's password and card fields, for this page and the next (GET forms, see scrubUrl). */
function learnSecretFields(form) {
  var names = load(secretKey()) || [];
  Array.prototype.forEach.call(form.elements, function (f) {
    var n = (f.name || '').toLowerCase();
    if (n && f.matches(SECRET_FIELDS) && names.indexOf(n) < 0) names.push(n);
  });
  save(secretKey(), names.slice(-50));
}

/**
 * The query parameters never sent: the blocklist, the names of this page's password and card fields, and those of
 * the fields of forms submitted before (a GET form carries them into the next page's URL).
 */
function blockedParams() {
  var names = BLOCKLIST.concat(load(secretKey()) || []);
  Array.prototype.forEach.call(D.querySelectorAll(SECRET_FIELDS), function (f) {
    if (f.name) names.push(f.name.toLowerCase());
  });
  return names;
}

/** The URL without blocked query parameters (see blockedParams; names compared case-insensitively). */
function scrubUrl(url) {
  if (!url) return url;
  var q = url.indexOf('?');
  if (q < 0) return url;
  var blocked = blockedParams();
  var h = url.indexOf('#', q), end = h < 0 ? url.length : h;
  var pairs = url.slice(q + 1, end).split('&'), kept = pairs.filter(function (p) {
    var name = p.split('=')[0];
    try { name = decodeURIComponent(name.replace(/\+/g, ' ')); } catch (e) { /* keep raw */ }
    return blocked.indexOf(name.toLowerCase()) < 0;
  });
  // Nothing blocked: the URL as written (an href in a hierarchy must stay what [href…] selectors see).
  if (kept.length == pairs.length) return url;
  kept = kept.filter(function (p) { return p; });
  return url.slice(0, q) + (kept.length ? '?' + kept.join('&') : '') + url.slice(end);
}

/**
 * The element hierarchy encoding, shared with the server's selector compiler (issue: definitions).
 *
 *   hierarchy = level *( "|" level )          levels from <body> (first) down to the target (last)
 *             / root                           a click on the root <html> element itself
 *   root      = level                          whose tag is html: the only case in which <html> is recorded
 *   level     = tag [ "#" id ] *( "." class ) *( "[" name "=" value "]" ) ":" nth-child ":" nth-of-type
 *               [ ":" nth-last-child ":" nth-last-of-type ]
 *
 * tag is the lower-case tag name; "#" is present whenever the element has an id attribute, even an empty one. id,
 * class, attribute names and values are escaped: every character other than A-Z a-z 0-9 - _ is replaced by its
 * UTF-8 bytes as %XX (upper-case hex), so none of | # . [ ] = : appears unescaped inside a field, and escaping
 * preserves prefixes, suffixes and substrings (what the attribute operators ^= $= *= need). Classes are sorted (by
 * escaped text); attributes come in the fixed order of ATTRS, then data-* attributes sorted by escaped name,
 * leaving out the tracker's own data-hs-* controls (data-hs-ignore, data-hs-redact-*) but keeping the stable id
 * data-hs-id; href is taken without the blocked query parameters, as the event's href is; values are scrubbed of
 * PII as text is (scrubText) and cut at 200 characters; unpaired surrogates in ids and classes become U+FFFD. The fixed orders make "has these classes and attributes" a subsequence test for the server's
 * selector compiler (dev.hindsight.define.HierarchyPattern). nth-child and nth-of-type are 1-based positions among
 * element siblings (of the same type), and nth-last-child and nth-last-of-type the same counted from the last
 * sibling: together they give each level's count of element siblings (nth-child + nth-last-child - 1) and of
 * same-type siblings, which :last-child, :only-child, :nth-last-child() and the *-of-type forms need. Events
 * recorded before the two nth-last fields existed (and before a click on <html> had its level) lack them; the
 * compiler matches them for every selector that does not ask for the last positions. Elements inside an open shadow
 * root continue with the host's level above them.
 */
var ATTRS = ['name', 'type', 'role', 'aria-label', 'href', 'title', 'alt', 'for', 'placeholder'];
var MAX_ATTR = 200;

function esc(s) {
  return encodeURIComponent(wellFormed(s)).replace(/[!'()*.~]/g, function (c) {
    return '%' + c.charCodeAt(0).toString(16).toUpperCase();
  });
}

/** An attribute value as encoded: scrubbed before the cut, as text is (512 bounds the regex work). */
function attrValue(v) {
  return esc(scrubText(v.slice(0, 512)).slice(0, MAX_ATTR));
}

/** The 1-based position among element siblings (of the same type), counted from the start or from the end. */
function nth(el, sameType, dir) {
  var n = 1;
  for (var s = el[dir]; s; s = s[dir]) {
    if (!sameType || s.tagName == el.tagName) n++;
  }
  return n;
}

function level(el, redacted) {
  var out = tagOf(el), i, a, v, data = [];
  // An empty id attribute is still an id: [id] and [id=""] match it, so it is recorded as a bare '#'.
  if (el.hasAttribute && el.hasAttribute('id')) out += '#' + esc(el.getAttribute('id'));
  out += Array.prototype.map.call(el.classList || [], function (c) { return '.' + esc(c); }).sort().join('');
  for (i = 0; i < ATTRS.length; i++) {
    v = attr(el, ATTRS[i]);
    if (v != null && ATTRS[i] == 'href') v = scrubUrl(v);
    if (v != null) out += '[' + ATTRS[i] + '=' + (redacted[ATTRS[i]] ? '' : attrValue(v)) + ']';
  }
  for (i = 0; i < el.attributes.length; i++) {
    a = el.attributes[i];
    if (a.name.indexOf('data-') == 0 && (a.name.indexOf('data-hs-') != 0 || a.name == 'data-hs-id')) {
      data.push([esc(a.name), redacted[a.name] ? '' : attrValue(a.value)]);
    }
  }
  data.sort(function (x, y) { return x[0] < y[0] ? -1 : 1; });
  out += data.map(function (d) { return '[' + d[0] + '=' + d[1] + ']'; }).join('');
  for (i = 0; i < 4; i++) out += ':' + nth(el, i & 1, i < 2 ? 'previousElementSibling' : 'nextElementSibling');
  return out;
}

/** The encoded hierarchy of el, from <body> down; the root <html> only when it is el itself. */
function hierarchy(el) {
  var levels = [], redacted = redactedAttributes(el);
  for (; el && el.nodeType == 1 && (el != D.documentElement || !levels.length); ) {
    levels.unshift(level(el, redacted));
    if (el == D.body || el == D.documentElement) break;
    el = el.parentNode && el.parentNode.nodeType == 11 ? el.parentNode.host : el.parentNode;
  }
  return levels.join('|');
}

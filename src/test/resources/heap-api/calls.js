// Makes every call of Heap's own Node.js client (npm heap-api 1.0.1, unmodified) against a Hindsight server and
// prints what became of each, as one JSON array on stdout.
// Usage: node calls.js <node_modules dir> <server base URL> <app id> <identity>
'use strict';
const path = require('path');
const [modules, base, appId, identity] = process.argv.slice(2);
const heap = require(path.join(modules, 'heap-api'));

// heap-api 1.0.1 has no base-URL option: it posts to https://heapanalytics.com/api/... But it copies every
// option onto the client, so this wrapper of its own _request points the same requests at our server.
const client = heap(appId, {
  _request(options, callback) {
    options.url = options.url.replace('https://heapanalytics.com', base);
    return heap.Client.prototype._request.call(this, options, callback);
  },
});

function outcome(name, promise) {
  return promise.then(
    () => ({ call: name, ok: true }),
    (e) => ({ call: name, ok: false, status: e.response ? e.response.statusCode : null,
      body: e.response ? e.response.body : String(e) }));
}

// A call made with a callback also returns the client's promise, which rejects as the callback hears of the
// error: it is caught here, or Node.js would end on the unhandled rejection.
function withCallback(name, start) {
  return outcome(name, new Promise((resolve, reject) => {
    start((err) => (err ? reject(err) : resolve())).catch(() => {});
  }));
}

(async () => {
  const results = [];
  results.push(await outcome('track', client.track('Signed Up', identity, { plan: 'pro', seats: 3 })));
  results.push(await outcome('track without properties', client.track('Logged In', identity)));
  results.push(await withCallback('track with callback',
    (cb) => client.track('Invited Teammate', identity, { count: 2 }, cb)));
  results.push(await outcome('track with a numeric identity', client.track('Numeric', 4242, { n: 1 })));
  results.push(await outcome('addUserProperties',
    client.addUserProperties(identity, { company: 'Acme', employees: 120 })));
  results.push(await withCallback('addUserProperties with callback',
    (cb) => client.addUserProperties(identity, { role: 'owner' }, cb)));
  console.log(JSON.stringify(results));
})();

// Threshold-crossing-to-arrival latency of alert notifications, driven through the HTTP API of a running
// silo (see alert-bench.sh, which starts one). A local receiver records when each signed webhook arrives;
// each crossing is one push of gestiones that moves a rule's figure across its threshold, timed from the
// moment the push is sent to the moment its notification arrives. NEVER run in CI.
//
//   node bench/alert-bench.mjs --base http://127.0.0.1:PORT --key SIGNING_KEY [--crossings N] [--load-batch ROWS]
import { createServer } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    base: { type: 'string' },
    key: { type: 'string' },
    crossings: { type: 'string', default: '200' },
    'load-batch': { type: 'string', default: '1000' },
  },
});
const base = args.base;
const crossings = Number(args.crossings);
const loadBatch = Number(args['load-batch']);
const secret = 'alert-bench-webhook-secret';
const b64 = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

function token(tenant, role) {
  const now = Math.floor(Date.now() / 1000);
  const head = b64({ alg: 'HS256', typ: 'JWT' });
  const body = b64({ sub: `${role}@bench`, tenant, role, iss: 'pulso', aud: 'pulso', iat: now, nbf: now, exp: now + 3600 });
  const sig = createHmac('sha256', Buffer.from(args.key, 'utf8')).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

async function call(method, path, tkn, body, type = 'application/json') {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${tkn}`, ...(body === undefined ? {} : { 'content-type': type }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

// The receiver: verifies each signature, records arrival times by notification id.
const arrivals = [];
let waiter = null;
let badSignatures = 0;
const receiver = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const at = performance.now();
    const body = Buffer.concat(chunks);
    const parts = Object.fromEntries(String(req.headers['x-pulso-signature'] ?? '').split(',').map((p) => p.split('=')));
    const expected = createHmac('sha256', secret).update(`${parts.t}.`).update(body).digest();
    const given = Buffer.from(parts.v1 ?? '', 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) badSignatures++;
    arrivals.push({ id: req.headers['x-pulso-notification-id'], at });
    res.writeHead(200).end();
    if (waiter) waiter();
  });
});
await new Promise((ok) => receiver.listen(0, '127.0.0.1', ok));
const hookUrl = `http://127.0.0.1:${receiver.address().port}/hook`;

const nextArrival = (count, ms) => new Promise((ok, fail) => {
  if (arrivals.length >= count) return ok(arrivals[count - 1]);
  const timer = setTimeout(() => { waiter = null; fail(new Error(`no notification within ${ms} ms`)); }, ms);
  waiter = () => { if (arrivals.length >= count) { clearTimeout(timer); waiter = null; ok(arrivals[count - 1]); } };
});

const tenant = `bench-alerts-${Date.now().toString(36)}`;
const operator = token('bench', 'operator');
await call('POST', '/api/v1/tenants', operator, { tenant, displayName: 'alert bench', timeZone: 'Etc/UTC', retentionDays: 30 });
const admin = token(tenant, 'admin');
await call('PUT', `/api/v1/tenants/${tenant}/homologation`, admin,
  'tipificacion,categoria,es_contacto,es_compromiso\nCONTACTO,CONTACTO_DIRECTO,true,false\nNO CONTESTA,NO_CONTACTO,false,false\n', 'text/csv');
// Per ejecutivo, so that the load (other ejecutivos of the same tenant) is evaluated with it but never crosses.
await call('PUT', `/api/v1/tenants/${tenant}/alerts/contactabilidad`, admin, {
  metric: 'tasa_contactabilidad', scope: 'ejecutivo', comparator: 'gte', threshold: 50, window: 'today',
  minGestiones: 1, cooldownMinutes: 0, channels: [{ type: 'webhook', url: hookUrl, secret }],
});

const fecha = () => new Date().toISOString().slice(0, 19).replace('T', ' ');
let doc = 0;
const csv = (rows) => 'cliente,fecha,documento,ejecutivo,tipificacion,saldo,dias_mora,canal\n'
  + rows.map(([ej, tip]) => `${tenant},${fecha()},D${doc++},${ej},${tip},10.00,5,LLAMADA`).join('\n') + '\n';
const push = (rows) => call('POST', `/api/v1/tenants/${tenant}/gestiones`, admin, csv(rows), 'text/csv');
const repeat = (n, row) => Array.from({ length: n }, () => row);

async function resolvedCount() {
  const h = await call('GET', `/api/v1/tenants/${tenant}/alerts/history?limit=1000`, admin);
  return h.events.filter((e) => e.event === 'resolved').length;
}

const stats = (ms) => {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p) => Math.round(s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]);
  return { n: s.length, p50: q(0.5), p95: q(0.95), p99: q(0.99), max: Math.round(s[s.length - 1]) };
};

// One phase: `n` crossings up (timed) and down (waited for), contacts c against non-contacts x of EJ-ALERT.
let c = 0;
let x = 0;
let resolved = 0;
async function phase(n) {
  const latencies = [];
  const acks = [];
  if (x <= c) { await push(repeat(c - x + 1, ['EJ-ALERT', 'NO CONTESTA'])); x = c + 1; }
  for (let i = 0; i < n; i++) {
    const want = arrivals.length + 1;
    const up = x - c;
    const t0 = performance.now();
    await push(repeat(up, ['EJ-ALERT', 'CONTACTO']));
    const acked = performance.now();
    c += up;
    const arrival = await nextArrival(want, 10_000);
    latencies.push(arrival.at - t0);
    acks.push(acked - t0);
    const down = c - x + 1;
    await push(repeat(down, ['EJ-ALERT', 'NO CONTESTA']));
    x += down;
    const deadline = performance.now() + 10_000;
    while ((await resolvedCount()) <= resolved) {
      if (performance.now() > deadline) throw new Error('the rule did not resolve within 10 s');
      await new Promise((ok) => setTimeout(ok, 10));
    }
    resolved++;
  }
  return { ...stats(latencies), pushAnswered: stats(acks) };
}


await phase(5); // warm-up: JIT, first activations
const quiet = await phase(crossings);

// The same under load: two pushers of `loadBatch` rows each for other ejecutivos of the tenant, back to back.
let loading = true;
let loadRows = 0;
const loadStart = performance.now();
const pusher = async (k) => {
  while (loading) {
    await push(Array.from({ length: loadBatch }, (_, i) => [`EJ-${k}-${i % 50}`, i % 3 ? 'NO CONTESTA' : 'CONTACTO']));
    loadRows += loadBatch;
  }
};
const pushers = [pusher(1), pusher(2)];
const loaded = await phase(crossings);
loading = false;
await Promise.all(pushers);
const loadRate = loadRows / ((performance.now() - loadStart) / 1000);

const distinct = new Set(arrivals.map((a) => a.id)).size;
console.log(JSON.stringify({ tenant, quiet, loaded, loadRowsPerSecond: Math.round(loadRate), notifications: arrivals.length, distinct, badSignatures }));
receiver.close();
if (badSignatures > 0 || distinct !== arrivals.length) process.exit(1);

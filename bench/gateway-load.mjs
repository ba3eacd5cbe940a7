#!/usr/bin/env node
// Open-loop HTTP GET load at a fixed rate, for bench/gateway-bench.sh.
//
//   node bench/gateway-load.mjs --url URL --rate R --duration S [--warmup S]
//        [--header 'Name: value']... [--connections N] [--timeout-ms MS] [--watch-pid PID] [--ramp-from R0]
//
// Request i is due at start + i/R whatever happened to the requests before it
// (open loop), and its latency is measured from that due time to the last byte
// of its answer. A server that falls behind, or a generator that sends late,
// therefore shows up in the latencies instead of silently lowering the rate
// (no coordinated omission). A due request takes an idle keep-alive
// connection, opens a new one while there are fewer than --connections, or
// waits for one; the wait counts too.
//
// The first --warmup seconds of requests are sent but not measured (with --ramp-from R0, at a rate rising
// evenly from R0 to R over the warm-up). A request
// not answered within --timeout-ms of its due time counts as an error (its
// connection is closed). One JSON object goes to stdout: counts, latency
// percentiles (ms), how late the generator noticed requests were due (its own
// lateness) and handed them to a connection, this process's CPU time during the measured window and, with
// --watch-pid, that process's CPU time over the same window (/proc/PID/stat), and
// how busy each core was meanwhile (/proc/stat), whoever kept it busy.
//
// HTTP/1.1 over plain sockets with one prepared request and a small response
// parser (status line, Content-Length or chunked body): a few microseconds of
// generator CPU per request, so the generator can keep its schedule on one core
// next to a busy server. Node built-ins only.
import fs from "node:fs";
import net from "node:net";
import { spawnSync } from "node:child_process";

const opt = { header: [], warmup: "5", connections: "256", "timeout-ms": "10000" };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const k = argv[i];
  if (!k.startsWith("--") || i + 1 >= argv.length) usage(`bad argument ${k}`);
  const name = k.slice(2);
  if (name === "header") opt.header.push(argv[++i]);
  else opt[name] = argv[++i];
}
function usage(msg) {
  console.error(`gateway-load: ${msg}`);
  process.exit(2);
}
for (const k of ["url", "rate", "duration"]) if (!opt[k]) usage(`--${k} is required`);
const RATE = Number(opt.rate);
const DURATION_S = Number(opt.duration);
const WARMUP_S = Number(opt.warmup);
const RAMP_FROM = opt["ramp-from"] === undefined ? RATE : Number(opt["ramp-from"]);
const CONNECTIONS = Number(opt.connections);
const TIMEOUT_MS = Number(opt["timeout-ms"]);
if (!(RATE > 0) || !(DURATION_S > 0) || !(WARMUP_S >= 0) || !(CONNECTIONS >= 1) || !(TIMEOUT_MS > 0)) usage("rate, duration, connections and timeout must be positive");
if (!(RAMP_FROM > 0) || RAMP_FROM > RATE || (WARMUP_S === 0 && RAMP_FROM !== RATE)) usage("--ramp-from must be positive, at most --rate, and needs a --warmup");
const url = new URL(opt.url);
if (url.protocol !== "http:") usage("only http:// URLs");
const HOST = url.hostname;
const PORT = Number(url.port || 80);
const headerLines = opt.header.map((h) => {
  const colon = h.indexOf(":");
  if (colon < 1) usage(`bad header '${h}'`);
  return `${h.slice(0, colon).trim()}: ${h.slice(colon + 1).trim()}\r\n`;
});
const REQUEST = Buffer.from(`GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n${headerLines.join("")}\r\n`, "latin1");
const watchPid = opt["watch-pid"] ? Number(opt["watch-pid"]) : null;
const CLK_TCK = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout?.trim() || 100);

// CPU seconds (user + sys) of another process, or null when it cannot be read.
function cpuOf(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return null;
  }
}
// Busy seconds of each core so far (/proc/stat: everything but idle and iowait), to tell what else ran meanwhile.
function coresBusy() {
  try {
    return fs.readFileSync("/proc/stat", "utf8").split("\n").filter((l) => /^cpu\d+ /.test(l)).map((l) => {
      const [user, nice, system, , , irq, softirq, steal] = l.trim().split(/\s+/).slice(1).map(Number);
      return (user + nice + system + irq + softirq + steal) / CLK_TCK;
    });
  } catch {
    return null;
  }
}
const ownCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const nowNs = () => process.hrtime.bigint();

// ------------------------------------------------------------------ the schedule and what is recorded
// With --ramp-from R0 the warm-up's rate rises evenly from R0 to R (a process that has just started runs its
// first requests unoptimised, as the JIT sees them for the first time); the measured window is always at R.
const periodNs = 1e9 / RATE;
const warmupCount = Math.round((WARMUP_S * (RAMP_FROM + RATE)) / 2);
const total = warmupCount + Math.round(DURATION_S * RATE);
const measured = total - warmupCount;
let start = 0n;
// Seconds from the start at which warm-up request i is due: the root of R0 t + (R - R0) t^2 / (2 W) = i.
const rampSeconds = (i) => {
  const a = (RATE - RAMP_FROM) / (2 * WARMUP_S);
  return a === 0 ? i / RATE : (-RAMP_FROM + Math.sqrt(RAMP_FROM * RAMP_FROM + 4 * a * i)) / (2 * a);
};
const dueOf = (i) => start + BigInt(Math.round(i < warmupCount ? rampSeconds(i) * 1e9 : WARMUP_S * 1e9 + (i - warmupCount) * periodNs));

const latency = new Float64Array(measured); // ms from due time to the answer's last byte
const sendLag = new Float64Array(measured); // ms from due time to the request being written to a connection
const tickLag = new Float64Array(measured); // ms from due time to the generator noticing it was due (its own lateness)
const done = new Uint8Array(measured);
const statuses = new Map();
const errors = new Map();
const count = (map, key) => map.set(key, (map.get(key) ?? 0) + 1);
let okCount = 0;
let okBytes = 0;
let inFlight = 0; // due and not finished: waiting for a connection or for the answer
let maxInFlight = 0;
let sent = 0;
let window = null;

function finish(req, error, status, bytes) {
  if (req.finished) return;
  req.finished = true;
  inFlight--;
  if (req.m < 0) return;
  latency[req.m] = Number(nowNs() - req.due) / 1e6;
  done[req.m] = 1;
  if (error) count(errors, error);
  else {
    count(statuses, status);
    if (status >= 200 && status < 300) {
      okCount++;
      okBytes += bytes;
    } else count(errors, `HTTP ${status}`);
  }
}

// ------------------------------------------------------------------ connections
const all = new Set(); // live connections
const idle = [];
const waiting = []; // requests due and not yet written, oldest first from waitHead
let waitHead = 0;
let connecting = 0;
const CRLF2 = Buffer.from("\r\n\r\n");

// The oldest waiting request not already given up on, or null.
function nextWaiting() {
  while (waitHead < waiting.length) {
    const req = waiting[waitHead];
    waiting[waitHead++] = undefined;
    if (waitHead > 4096 && waitHead * 2 > waiting.length) {
      waiting.splice(0, waitHead);
      waitHead = 0;
    }
    if (!req.finished) return req;
  }
  return null;
}

// Waiting requests go to idle connections; connections are opened for the rest, up to CONNECTIONS.
function dispatch() {
  while (idle.length && waitHead < waiting.length) {
    const req = nextWaiting();
    if (req) idle.pop().send(req);
  }
  while (connecting < waiting.length - waitHead && all.size < CONNECTIONS) new Connection();
}

class Connection {
  constructor() {
    all.add(this);
    connecting++;
    this.req = null;
    this.ready = false;
    this.dead = false;
    this.socket = net.connect(PORT, HOST);
    this.socket.setNoDelay(true);
    this.socket.on("connect", () => {
      connecting--;
      this.ready = true;
      this.release();
    });
    this.socket.on("data", (chunk) => this.onData(chunk));
    this.socket.on("error", (e) => this.fail(e.code ?? e.message));
    this.socket.on("close", () => this.fail("connection closed"));
  }

  send(req) {
    this.req = req;
    this.head = null; // header bytes gathered so far
    this.state = "head";
    this.remaining = 0;
    this.bytes = 0;
    this.line = "";
    if (req.m >= 0) sendLag[req.m] = Number(nowNs() - req.due) / 1e6;
    this.socket.write(REQUEST);
  }

  // The answer's bytes: status line and headers, then a Content-Length body or chunks.
  onData(chunk) {
    let pos = 0;
    while (pos < chunk.length && this.req) {
      switch (this.state) {
        case "head": {
          this.head = this.head ? Buffer.concat([this.head, chunk.subarray(pos)]) : chunk.subarray(pos);
          const end = this.head.indexOf(CRLF2);
          if (end < 0) return;
          const text = this.head.subarray(0, end).toString("latin1");
          pos = chunk.length - (this.head.length - (end + 4));
          this.head = null;
          this.status = Number(text.slice(9, 12));
          const length = /\r\ncontent-length:\s*(\d+)/i.exec(text);
          if (/\r\ntransfer-encoding:\s*chunked/i.test(text)) this.state = "size";
          else if (length && Number(length[1]) > 0) {
            this.remaining = Number(length[1]);
            this.state = "body";
          } else return this.complete(chunk, pos); // no body
          break;
        }
        case "body":
        case "chunk":
        case "chunk-end": {
          const take = Math.min(this.remaining, chunk.length - pos);
          this.remaining -= take;
          pos += take;
          if (this.state !== "chunk-end") this.bytes += take;
          if (this.remaining > 0) break;
          if (this.state === "body") return this.complete(chunk, pos);
          if (this.state === "chunk") {
            this.state = "chunk-end"; // the CRLF after the chunk's data
            this.remaining = 2;
          } else this.state = "size";
          break;
        }
        case "size":
        case "trailer": {
          const nl = chunk.indexOf(10, pos);
          if (nl < 0) {
            this.line += chunk.toString("latin1", pos);
            return;
          }
          const line = (this.line + chunk.toString("latin1", pos, nl)).trim();
          this.line = "";
          pos = nl + 1;
          if (this.state === "trailer") {
            // Trailer lines end with an empty one; Kestrel sends none, so this is the CRLF after the last chunk.
            if (line === "") return this.complete(chunk, pos);
            break;
          }
          this.remaining = parseInt(line, 16);
          if (!Number.isFinite(this.remaining)) return this.fail("bad chunk size");
          this.state = this.remaining === 0 ? "trailer" : "chunk";
          break;
        }
      }
    }
  }

  complete(chunk, pos) {
    const req = this.req;
    this.req = null;
    finish(req, null, this.status, this.bytes);
    if (pos < chunk.length) return this.fail("bytes after the answer");
    this.release();
  }

  release() {
    if (this.dead || !this.ready || this.req) return;
    const req = nextWaiting();
    if (req) this.send(req);
    else idle.push(this);
  }

  fail(reason) {
    if (this.dead) return;
    this.dead = true;
    all.delete(this);
    if (!this.ready) connecting--;
    const i = idle.indexOf(this);
    if (i >= 0) idle.splice(i, 1);
    if (this.req) finish(this.req, reason);
    this.req = null;
    this.socket.destroy();
    dispatch();
  }
}

// A request unanswered TIMEOUT_MS after its due time is an error; a connection stuck on one is closed.
const sweeper = setInterval(() => {
  const limit = nowNs() - BigInt(TIMEOUT_MS) * 1_000_000n;
  for (let i = waitHead; i < waiting.length; i++) {
    const req = waiting[i];
    if (req && !req.finished && req.due < limit) finish(req, "timeout");
  }
  for (const c of [...all]) if (c.req && c.req.due < limit) c.fail("timeout");
}, 100);

// ------------------------------------------------------------------ the schedule
function tick() {
  const now = nowNs();
  for (;;) {
    if (sent >= total) return;
    const due = dueOf(sent);
    if (due > now) {
      // Sleep until the next due time (Node timers have 1 ms granularity: requests leave in small bursts, each
      // measured from its own due time).
      setTimeout(tick, Math.max(0, Number(due - now) / 1e6 - 0.5));
      return;
    }
    if (sent === warmupCount && window === null) window = { t0: due, cpu0: ownCpu(), watch0: watchPid ? cpuOf(watchPid) : null, cores0: coresBusy() };
    inFlight++;
    if (inFlight > maxInFlight) maxInFlight = inFlight;
    if (sent >= warmupCount) tickLag[sent - warmupCount] = Number(now - due) / 1e6;
    waiting.push({ m: sent - warmupCount, due, finished: false });
    sent++;
    dispatch();
  }
}

function percentile(sorted, p) {
  if (!sorted.length) return null;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}
function summary(values) {
  const s = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of s) sum += v;
  return {
    p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), p999: percentile(s, 99.9),
    max: s.length ? s[s.length - 1] : null, mean: s.length ? sum / s.length : null,
  };
}

await new Promise((resolve) => {
  start = nowNs() + 1_000_000n;
  setTimeout(tick, 1);
  // The window closes when the last request is due; answers then get until their timeout to arrive.
  const endDue = dueOf(total);
  const waitEnd = () => {
    const now = nowNs();
    if (now < endDue) {
      setTimeout(waitEnd, Math.max(1, Number(endDue - now) / 1e6));
      return;
    }
    if (window && window.t1 === undefined) {
      window.t1 = now;
      window.cpu1 = ownCpu();
      window.watch1 = watchPid ? cpuOf(watchPid) : null;
      window.cores1 = coresBusy();
    }
    if ((sent >= total && inFlight === 0) || Number(now - endDue) / 1e6 > TIMEOUT_MS + 200) resolve();
    else setTimeout(waitEnd, 5);
  };
  setTimeout(waitEnd, 1);
});
clearInterval(sweeper);
for (const c of [...all]) {
  c.dead = true;
  c.socket.destroy();
}

// A request still unanswered at the end counts as an error, with the time it had waited so far as its latency
// (a lower bound), so that an overloaded server cannot improve its percentiles by not answering.
const endedAt = nowNs();
let unanswered = 0;
const latencies = [];
for (let m = 0; m < measured; m++) {
  if (done[m]) latencies.push(latency[m]);
  else {
    unanswered++;
    latencies.push(Number(endedAt - dueOf(m + warmupCount)) / 1e6);
  }
}
if (unanswered) errors.set("no answer", (errors.get("no answer") ?? 0) + unanswered);
const windowS = window ? Number(window.t1 - window.t0) / 1e9 : null;
const result = {
  url: url.pathname + url.search,
  rate: RATE,
  ramp_from: RAMP_FROM,
  warmup_s: WARMUP_S,
  duration_s: DURATION_S,
  connections_max: CONNECTIONS,
  measured,
  answered: measured - unanswered,
  ok: okCount,
  errors: Object.fromEntries(errors),
  error_count: [...errors.values()].reduce((a, b) => a + b, 0),
  statuses: Object.fromEntries(statuses),
  achieved_rate: windowS ? measured / windowS : null,
  response_bytes_mean: okCount ? okBytes / okCount : null,
  latency_ms: summary(latencies),
  send_lag_ms: summary(sendLag),
  generator_lag_ms: summary(tickLag),
  max_in_flight: maxInFlight,
  window_s: windowS,
  loadgen_cpu_s: window ? window.cpu1 - window.cpu0 : null,
  watched_cpu_s: window && window.watch0 !== null && window.watch1 !== null ? window.watch1 - window.watch0 : null,
  cores_busy_s: window?.cores0 && window.cores1 ? window.cores1.map((b, i) => b - window.cores0[i]) : null,
};
process.stdout.write(JSON.stringify(result) + "\n");

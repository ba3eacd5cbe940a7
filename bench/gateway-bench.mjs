#!/usr/bin/env node
// Measuring half of bench/gateway-bench.sh (run that script, not this file: it
// installs the tools, generates the data and builds the silo and the CLI).
//
//   node bench/gateway-bench.mjs --data DIR --kit DIR --out DIR --results DIR
//        --silo-dll PATH --cli-dll PATH [--time-zone TZ] [--rate-today R] [--rate-range R]
//        [--duration S] [--warmup S] [--connections N] [--open-connections N]
//        [--push-rows N] [--http-port P] [--silo-port P] [--gateway-port P] [--perf 0|1]
//
// 1. Shifts the generated data set so that its last day is today in TZ (the
//    tenant's "today"), into OUT/data.
// 2. Starts one silo (taskset -c 1; memory storage, demo off, a fixed JWT
//    signing key), makes its own HS256 tokens, creates three tenants holding
//    the same rows, pushed as CSV, as a JSON array and as NDJSON, timing the
//    pushes; runs `pulso compute` (taskset -c 0,1) on the same files; checks
//    each tenant's figures against compute's.
// 3. Load: open loop at a fixed rate (bench/gateway-load.mjs, taskset -c 0) for
//    "today by ejecutivo" and "90 days by ejecutivo,dia", then closed loop
//    (wrk, 64 connections) for "today by ejecutivo".
// Prints a Markdown report (also RESULTS/gateway-<stamp>.md, raw figures in the
// .json twin). Exit 0 when every phase ran and the figures are equal.
// Node built-ins only.
import { spawn, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));

// ------------------------------------------------------------------ arguments
const opt = {
  "time-zone": "America/Lima", "rate-today": "2000", "rate-range": "200", duration: "30", warmup: "10",
  connections: "64", "open-connections": "256", "push-rows": "200000",
  "http-port": "18080", "silo-port": "21111", "gateway-port": "40000", perf: "0",
};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const k = argv[i];
  if (!k.startsWith("--") || i + 1 >= argv.length) fail(`bad argument ${k}`);
  opt[k.slice(2)] = argv[++i];
}
for (const k of ["data", "kit", "out", "results", "silo-dll", "cli-dll"]) if (!opt[k]) fail(`--${k} is required`);
const num = (k, min = 1) => {
  const v = Number(opt[k]);
  if (!Number.isFinite(v) || v < min) fail(`--${k} must be a number >= ${min}`);
  return v;
};
const RATE_TODAY = num("rate-today");
const RATE_RANGE = num("rate-range");
const DURATION_S = num("duration");
const WARMUP_S = num("warmup", 0);
const CONNECTIONS = num("connections");
const OPEN_CONNECTIONS = num("open-connections");
const PUSH_ROWS = num("push-rows");
const PORTS = { http: num("http-port"), silo: num("silo-port"), gateway: num("gateway-port") };
const PERF = opt.perf === "1";
const TZ = opt["time-zone"];
const RAW = path.resolve(opt.data);
const KIT = path.resolve(opt.kit);
const OUT = path.resolve(opt.out);
const SILO = path.resolve(opt["silo-dll"]);
const CLI = path.resolve(opt["cli-dll"]);
const LOAD = path.join(HERE, "gateway-load.mjs");
const TIME = "/usr/bin/time";
const SIGNING_KEY = "gateway-bench-signing-key-not-a-secret-0123456789";
const ISSUER = "pulso";
const AUDIENCE = "pulso";
const MAX_BODY_BYTES = 64 << 20; // the silo's default Pulso:Ingest:MaxBodyBytes
const HEALTH_TIMEOUT_S = 120;
const DAYS = 90;

function fail(msg) {
  console.error(`gateway-bench: ${msg}`);
  killChildren();
  process.exit(2);
}

// ------------------------------------------------------------------ helpers
const now = () => performance.now() / 1000;
const fx = (x, d = 2) => (x === null || x === undefined || !Number.isFinite(x) ? "-" : x.toFixed(d));
const thousands = (n) => (Number.isFinite(n) ? Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",") : "-");
const sh = (cmd, args) => {
  const p = spawnSync(cmd, args, { encoding: "utf8" });
  return p.status === 0 ? p.stdout.trim() : null;
};
const tail = (text, n) => String(text ?? "").split("\n").slice(-n).join("\n");
const rel = (p) => path.relative(process.cwd(), p) || p;
const CLK_TCK = Number(sh("getconf", ["CLK_TCK"]) ?? 100);
function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return null;
  }
}
const ownCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
// Busy seconds of each core so far (/proc/stat: everything but idle and iowait).
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
const coresSince = (before) => {
  const after = coresBusy();
  return before && after ? after.map((b, i) => b - before[i]) : null;
};
function peakRssMiB(pid) {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

// Days as "YYYY-MM-DD" and day numbers (days since 1970-01-01), in UTC arithmetic: dates only, no clock.
const dayNumber = (ymd) => Date.UTC(Number(ymd.slice(0, 4)), Number(ymd.slice(5, 7)) - 1, Number(ymd.slice(8, 10))) / 86400000;
const ymdOf = (n) => new Date(n * 86400000).toISOString().slice(0, 10);
function isRealDate(y, m, d) {
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
  return d <= days;
}
// Today in an IANA time zone, as the tenant grain sees it.
function todayIn(timeZone) {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(new Date());
  const get = (t) => parts.find((p) => p.type === t).value;
  return `${get("year")}-${get("month")}-${get("day")}`;
}

// Start and end offsets of field INDEX in one CSV line (RFC 4180 quotes; the kit puts no line break in a field).
function fieldSpan(line, index) {
  let pos = 0;
  for (let f = 0; ; f++) {
    let end;
    if (line[pos] === '"') {
      end = pos + 1;
      for (;;) {
        const q = line.indexOf('"', end);
        if (q < 0) { end = line.length; break; }
        if (line[q + 1] === '"') { end = q + 2; continue; }
        end = q + 1;
        break;
      }
      const comma = line.indexOf(",", end);
      end = comma < 0 ? line.length : comma;
    } else {
      const comma = line.indexOf(",", pos);
      end = comma < 0 ? line.length : comma;
    }
    if (f === index) return [pos, end];
    if (end >= line.length) return null;
    pos = end + 1;
  }
}
// All fields of one CSV line, unquoted.
function fields(line) {
  const out = [];
  let pos = 0;
  for (;;) {
    if (line[pos] === '"') {
      let v = "";
      let i = pos + 1;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) { v += line.slice(i); i = line.length; break; }
        v += line.slice(i, q);
        if (line[q + 1] === '"') { v += '"'; i = q + 2; continue; }
        i = q + 1;
        break;
      }
      out.push(v);
      const comma = line.indexOf(",", i);
      if (comma < 0) return out;
      pos = comma + 1;
    } else {
      const comma = line.indexOf(",", pos);
      if (comma < 0) { out.push(line.slice(pos)); return out; }
      out.push(line.slice(pos, comma));
      pos = comma + 1;
    }
  }
}
const readLines = (file) => {
  const lines = fs.readFileSync(file, "utf8").split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
};

// The child processes this script started, killed (by pid) if it stops early.
const children = new Set();
function killChildren() {
  for (const c of children) {
    try { process.kill(c.pid, "SIGKILL"); } catch { /* already gone */ }
  }
}
process.on("exit", killChildren);
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => { killChildren(); process.exit(sig === "SIGINT" ? 130 : 143); });

// The environment without the Pulso__* or ASPNETCORE_URLS the caller's shell may carry.
const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("Pulso__") && k !== "ASPNETCORE_URLS"));

// ------------------------------------------------------------------ 1. data, moved so that its last day is today
const TODAY = todayIn(TZ);
const DATA = path.join(OUT, "data");
function prepareData() {
  const stampFile = path.join(DATA, "shift.json");
  const source = ["gestiones.csv", "jornadas.csv", "homologacion.csv"].map((f) => `${f}:${fs.statSync(path.join(RAW, f)).size}`).join(" ");
  if (fs.existsSync(stampFile)) {
    const s = JSON.parse(fs.readFileSync(stampFile, "utf8"));
    if (s.today === TODAY && s.source === source) return s;
  }
  const t0 = now();
  const g = readLines(path.join(RAW, "gestiones.csv"));
  const j = readLines(path.join(RAW, "jornadas.csv"));
  const dateRe = /^(\s*)(\d{4})-(\d{2})-(\d{2})/;
  // The data's last day with a valid fecha becomes today; every real date moves by the same number of days,
  // and a fecha that is not a real date (the generator's dirty rows) stays as it is, so it is rejected as before.
  let last = -Infinity;
  for (let i = 1; i < g.length; i++) {
    const [a, b] = fieldSpan(g[i], 2);
    const m = dateRe.exec(g[i].slice(a, b));
    if (m && isRealDate(+m[2], +m[3], +m[4])) last = Math.max(last, dayNumber(`${m[2]}-${m[3]}-${m[4]}`));
  }
  if (!Number.isFinite(last)) fail(`no valid fecha in ${rel(RAW)}/gestiones.csv`);
  const shift = dayNumber(TODAY) - last;
  const move = (lines, index) => lines.map((line, i) => {
    if (i === 0) return line;
    const span = fieldSpan(line, index);
    if (!span) return line;
    const value = line.slice(span[0], span[1]);
    const m = dateRe.exec(value);
    if (!m || !isRealDate(+m[2], +m[3], +m[4])) return line;
    const moved = ymdOf(dayNumber(`${m[2]}-${m[3]}-${m[4]}`) + shift);
    return line.slice(0, span[0]) + m[1] + moved + value.slice(m[0].length) + line.slice(span[1]);
  });
  fs.rmSync(DATA, { recursive: true, force: true });
  fs.mkdirSync(DATA, { recursive: true });
  fs.writeFileSync(path.join(DATA, "gestiones.csv"), move(g, 2).join("\n") + "\n");
  fs.writeFileSync(path.join(DATA, "jornadas.csv"), move(j, 2).join("\n") + "\n");
  fs.copyFileSync(path.join(RAW, "homologacion.csv"), path.join(DATA, "homologacion.csv"));
  const s = { today: TODAY, time_zone: TZ, shift_days: shift, first: ymdOf(last - DAYS + 1 + shift), source, seconds: now() - t0 };
  fs.writeFileSync(stampFile, JSON.stringify(s, null, 2) + "\n");
  return s;
}

// ------------------------------------------------------------------ tokens (HS256, as the silo's AuthExtensions.IssueToken makes them)
function token(tenant, role) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const iat = Math.floor(Date.now() / 1000);
  const head = b64({ alg: "HS256", typ: "JWT" });
  const body = b64({ sub: `${role}@${tenant}`, tenant, role, iss: ISSUER, aud: AUDIENCE, iat, nbf: iat - 60, exp: iat + 12 * 3600 });
  const sig = crypto.createHmac("sha256", Buffer.from(SIGNING_KEY, "utf8")).update(`${head}.${body}`).digest("base64url");
  return `${head}.${body}.${sig}`;
}

// ------------------------------------------------------------------ HTTP (the push client and the checks)
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
function request(method, urlPath, { headers = {}, body = null, timeoutMs = 600_000 } = {}) {
  return new Promise((resolve, reject) => {
    const h = { ...headers };
    if (body !== null) h["Content-Length"] = Buffer.byteLength(body);
    const req = http.request({ host: "127.0.0.1", port: PORTS.http, path: urlPath, method, headers: h, agent }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${urlPath}: no answer in ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body ?? undefined);
  });
}
async function must(method, urlPath, options, expect = [200]) {
  const r = await request(method, urlPath, options);
  if (!expect.includes(r.status)) fail(`${method} ${urlPath} answered ${r.status}: ${r.body.slice(0, 500)}`);
  return r;
}
const bearer = (t) => ({ Authorization: `Bearer ${t}` });

// ------------------------------------------------------------------ the silo
async function startSilo(log) {
  const env = {
    ...baseEnv,
    Pulso__Cluster__Provider: "Localhost",
    Pulso__Cluster__SiloPort: String(PORTS.silo),
    Pulso__Cluster__GatewayPort: String(PORTS.gateway),
    Pulso__Cluster__ClusterId: `gateway-bench-${process.pid}`,
    Pulso__Cluster__ServiceId: "gateway-bench",
    Pulso__Storage__Provider: "Memory",
    Pulso__Auth__Jwt__SigningKey: SIGNING_KEY,
    Pulso__Demo__Enabled: "false",
    // Names for JIT-compiled frames in `perf` (only with --perf).
    // W^X off so that perf sees JIT code as anonymous memory, which perf-PID.map describes.
    ...(PERF ? { DOTNET_PerfMapEnabled: "1", DOTNET_EnableWriteXorExecute: "0" } : {}),
  };
  const fd = fs.openSync(log, "w");
  const t0 = now();
  const silo = spawn("taskset", ["-c", "1", "dotnet", SILO, "--urls", `http://127.0.0.1:${PORTS.http}`], { env, stdio: ["ignore", fd, fd] });
  fs.closeSync(fd);
  children.add(silo);
  const exited = new Promise((resolve) => silo.once("exit", resolve));
  for (;;) {
    if (silo.exitCode !== null || silo.signalCode !== null) fail(`the silo exited (${silo.exitCode ?? silo.signalCode}) before serving /healthz:\n${tail(fs.readFileSync(log, "utf8"), 30)}`);
    if (now() - t0 > HEALTH_TIMEOUT_S) fail(`the silo did not serve /healthz within ${HEALTH_TIMEOUT_S} s (log: ${rel(log)})`);
    try {
      const r = await request("GET", "/healthz", { timeoutMs: 1000 });
      if (r.status === 200) break;
    } catch { /* not listening yet */ }
    await sleep(100);
  }
  return { proc: silo, exited, start_s: now() - t0 };
}
async function stopSilo(silo) {
  if (silo.proc.exitCode !== null || silo.proc.signalCode !== null) return;
  silo.proc.kill("SIGTERM");
  const done = await Promise.race([silo.exited.then(() => true), sleep(45_000).then(() => false)]);
  if (!done) {
    silo.proc.kill("SIGKILL");
    await silo.exited;
  }
  children.delete(silo.proc);
}

// Prometheus text: the sum of NAME's samples.
function promValue(text, name) {
  let sum = null;
  for (const line of String(text ?? "").split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m && m[1] === name) sum = (sum ?? 0) + Number(m[3]);
  }
  return sum;
}
async function queryClock() {
  try {
    const r = await request("GET", "/metrics", { timeoutMs: 5000 });
    return { sum: promValue(r.body, "pulso_query_duration_seconds_sum"), count: promValue(r.body, "pulso_query_duration_seconds_count") };
  } catch {
    return null;
  }
}
const grainQueryMs = (a, b) => (a && b && b.count > a.count ? ((b.sum - a.sum) / (b.count - a.count)) * 1000 : null);

// `perf record` of the silo for SECONDS (only with --perf): the hottest symbols, for the report's "where the time goes".
function perfStart(pid, name) {
  if (!PERF) return null;
  const data = path.join(OUT, `perf-${name}.data`);
  const p = spawn("perf", ["record", "-F", "499", "-g", "-p", String(pid), "-o", data], { stdio: ["ignore", "ignore", "pipe"] });
  children.add(p);
  return { p, data, name, exited: new Promise((resolve) => p.once("exit", resolve)) };
}
async function perfStop(rec) {
  if (!rec) return null;
  rec.p.kill("SIGINT");
  await rec.exited;
  children.delete(rec.p);
  const report = spawnSync("perf", ["report", "-i", rec.data, "--no-children", "--sort", "symbol", "--stdio", "--percent-limit", "0.7", "-g", "none"], { encoding: "utf8", maxBuffer: 1 << 26 });
  const file = path.join(OUT, `perf-${rec.name}.txt`);
  fs.writeFileSync(file, report.stdout ?? "");
  return file;
}

// ------------------------------------------------------------------ load phases
function openLoop(name, urlPath, rate, auth, siloPid) {
  const args = ["-c", "0", process.execPath, LOAD, "--url", `http://127.0.0.1:${PORTS.http}${urlPath}`, "--rate", String(rate),
    "--duration", String(DURATION_S), "--warmup", String(WARMUP_S), "--connections", String(OPEN_CONNECTIONS),
    "--header", `Authorization: Bearer ${auth}`, "--watch-pid", String(siloPid),
    // The warm-up rises from a tenth of the rate: a silo that has just started runs its first requests unoptimised.
    ...(WARMUP_S > 0 ? ["--ramp-from", String(Math.max(1, Math.round(rate / 10)))] : [])];
  const p = spawnSync("taskset", args, { encoding: "utf8", maxBuffer: 1 << 24, timeout: (DURATION_S + WARMUP_S + 120) * 1000 });
  fs.writeFileSync(path.join(OUT, `${name}.err`), p.stderr ?? "");
  const line = (p.stdout ?? "").trim().split("\n").pop();
  if (p.status !== 0 || !line) fail(`${name}: the load generator failed (exit ${p.status}):\n${tail(p.stderr, 20)}`);
  const r = JSON.parse(line);
  fs.writeFileSync(path.join(OUT, `${name}.json`), JSON.stringify(r, null, 2) + "\n");
  return r;
}

// wrk's duration text ("812.00us", "1.20ms", "2.01s") in milliseconds.
function wrkMs(text) {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text ?? "");
  if (!m) return null;
  return Number(m[1]) * { us: 0.001, ms: 1, s: 1000, m: 60000 }[m[2]];
}
function closedLoop(name, urlPath, auth, siloPid, seconds) {
  const timeFile = path.join(OUT, `${name}.time`);
  const silo0 = cpuSeconds(siloPid);
  const cores0 = coresBusy();
  const t0 = now();
  const p = spawnSync(TIME, ["-f", "%e %U %S", "-o", timeFile, "taskset", "-c", "0", "wrk", "-t1", `-c${CONNECTIONS}`, `-d${seconds}s`, "--latency",
    "-H", `Authorization: Bearer ${auth}`, `http://127.0.0.1:${PORTS.http}${urlPath}`], { encoding: "utf8", maxBuffer: 1 << 24, timeout: (seconds + 60) * 1000 });
  const wall = now() - t0;
  const silo1 = cpuSeconds(siloPid);
  const cores = coresSince(cores0);
  fs.writeFileSync(path.join(OUT, `${name}.out`), `${p.stdout ?? ""}${p.stderr ?? ""}`);
  if (p.status !== 0) fail(`${name}: wrk failed (exit ${p.status}):\n${tail(p.stderr, 20)}`);
  const out = p.stdout;
  const timeLine = fs.readFileSync(timeFile, "utf8").trim().split("\n").pop().split(" ").map(Number);
  const pct = (q) => wrkMs((new RegExp(`^\\s+${q}%\\s+(\\S+)`, "m").exec(out) ?? [])[1]);
  const lat = /^\s+Latency\s+(\S+)\s+(\S+)\s+(\S+)/m.exec(out) ?? [];
  const requests = Number((/(\d+) requests in/.exec(out) ?? [])[1]);
  const non2xx = Number((/Non-2xx or 3xx responses: (\d+)/.exec(out) ?? [0, 0])[1]);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = sock ? sock.slice(1).map(Number).reduce((a, b) => a + b, 0) : 0;
  return {
    requests,
    rps: Number((/Requests\/sec:\s+([\d.]+)/.exec(out) ?? [])[1]),
    latency_ms: { p50: pct(50), p75: pct(75), p90: pct(90), p99: pct(99), mean: wrkMs(lat[1]), max: wrkMs(lat[3]) },
    errors: non2xx + socketErrors,
    non2xx,
    socket_errors: sock ? sock[0] : "none",
    wall_s: wall,
    wrk_cpu_s: timeLine[1] + timeLine[2],
    silo_cpu_s: silo0 !== null && silo1 !== null ? silo1 - silo0 : null,
    cores_busy_s: cores,
  };
}

// ------------------------------------------------------------------ machine facts
const cpuinfo = fs.readFileSync("/proc/cpuinfo", "utf8");
const started = new Date();
const stamp = started.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
const gitRev = sh("git", ["rev-parse", "--short", "HEAD"]);
const gitDirty = gitRev && sh("git", ["status", "--porcelain", "--untracked-files=no"]);
const facts = {
  date: started.toISOString(),
  nproc: sh("nproc", ["--all"]) ?? String(os.cpus().length),
  cpu: (cpuinfo.match(/^model name\s*:\s*(.+)$/m) ?? [])[1] ?? "?",
  mem_total_gib: Number((fs.readFileSync("/proc/meminfo", "utf8").match(/^MemTotal:\s+(\d+)/m) ?? [])[1]) / 1048576,
  kernel: os.release(),
  dotnet: sh("dotnet", ["--version"]) ?? "?",
  node: process.version,
  wrk: (spawnSync("wrk", ["-v"], { encoding: "utf8" }).stdout ?? "").split("\n")[0].trim() || "?",
  git: gitRev ? `${gitRev}${gitDirty ? " (with uncommitted changes)" : ""}` : "no commit",
  load1_before: os.loadavg()[0],
};

// ================================================================== run
fs.mkdirSync(OUT, { recursive: true });
for (const f of fs.readdirSync(OUT)) if (/\.(json|err|out|time|txt|data|log|csv)$/.test(f) || f === "compute") fs.rmSync(path.join(OUT, f), { recursive: true, force: true });
const shift = prepareData();
const FIRST = ymdOf(dayNumber(TODAY) - DAYS + 1);
console.log(`data: ${rel(DATA)} (moved by ${shift.shift_days} days: last day = today ${TODAY} in ${TZ}); 90-day range ${FIRST}..${TODAY}`);
if (facts.load1_before > 0.5) console.log(`warning: load average ${fx(facts.load1_before)} — the machine is not idle, the figures will be noisy`);

const gLines = readLines(path.join(DATA, "gestiones.csv"));
const jLines = readLines(path.join(DATA, "jornadas.csv"));
const hLines = readLines(path.join(DATA, "homologacion.csv"));
const ROWS = gLines.length - 1;
const cliente = fields(gLines[1])[1].trim();
const todayRows = gLines.filter((l, i) => i > 0 && l.slice(...fieldSpan(l, 2)).trim().startsWith(TODAY)).length;
const ejecutivos = new Set(gLines.slice(1).map((l) => fields(l)[4])).size;
const T = { csv: cliente, json: `${cliente}-json`, ndjson: `${cliente}-ndjson` };
console.log(`rows: ${thousands(ROWS)} gestiones of cliente ${cliente} (${ejecutivos} ejecutivos; ${thousands(todayRows)} today), ${thousands(jLines.length - 1)} jornadas`);

// Bodies, built before anything is timed. Every format carries the same rows; the JSON tenants' rows name their own tenant.
const gHeader = gLines[0];
const gNames = fields(gHeader);
const NUMERIC = new Set(["gestion_id", "saldo", "dias_mora"]);
const jsonNumber = /^-?(0|[1-9]\d*)(\.\d+)?$/;
function jsonRow(line, tenant) {
  const f = fields(line);
  const parts = gNames.map((name, i) => {
    const v = name === "cliente" ? tenant : (f[i] ?? "");
    // A producer sends numbers as numbers where they are numbers; the server keeps their literal text.
    return `${JSON.stringify(name)}:${NUMERIC.has(name) && jsonNumber.test(v) ? v : JSON.stringify(v)}`;
  });
  return `{${parts.join(",")}}`;
}
function chunks() {
  const out = [];
  for (let i = 1; i < gLines.length; i += PUSH_ROWS) out.push(gLines.slice(i, Math.min(gLines.length, i + PUSH_ROWS)));
  return out;
}
function bodies(format) {
  return chunks().map((rows) => {
    let text;
    if (format === "csv") text = `${gHeader}\n${rows.join("\n")}\n`;
    else if (format === "json") text = `[${rows.map((l) => jsonRow(l, T.json)).join(",\n")}]\n`;
    else text = rows.map((l) => jsonRow(l, T.ndjson)).join("\n") + "\n";
    const buf = Buffer.from(text, "utf8");
    if (buf.length > MAX_BODY_BYTES) fail(`a ${format} body of ${rows.length} rows is ${buf.length} bytes, over the silo's 64 MiB limit: lower --push-rows`);
    return { rows: rows.length, buf };
  });
}
const CONTENT_TYPE = { csv: "text/csv", json: "application/json", ndjson: "application/x-ndjson" };
const withCliente = (lines, tenant) => lines.map((l, i) => (i === 0 ? l : tenant + l.slice(l.indexOf(","))));
const homologationBody = hLines.map((l) => l.slice(l.indexOf(",") + 1)).join("\n") + "\n"; // without the cliente column

const siloLog = path.join(OUT, "silo.log");
const silo = await startSilo(siloLog);
const SILO_PID = silo.proc.pid;
console.log(`silo: pid ${SILO_PID}, taskset -c 1, http://127.0.0.1:${PORTS.http}, silo port ${PORTS.silo}, gateway port ${PORTS.gateway}; /healthz after ${fx(silo.start_s, 1)} s`);

// Tenants, homologation, jornadas (not timed).
const operator = token("ops", "operator");
for (const [format, tenant] of Object.entries(T)) {
  await must("POST", "/api/v1/tenants", { headers: { ...bearer(operator), "Content-Type": "application/json" },
    body: JSON.stringify({ tenant, displayName: `gateway bench (${format})`, timeZone: TZ, retentionDays: 400 }) }, [201]);
  const admin = bearer(token(tenant, "admin"));
  await must("PUT", `/api/v1/tenants/${tenant}/homologation`, { headers: { ...admin, "Content-Type": "text/csv" }, body: homologationBody });
  const j = await must("POST", `/api/v1/tenants/${tenant}/jornadas`, { headers: { ...admin, "Content-Type": "text/csv" }, body: withCliente(jLines, tenant).join("\n") + "\n" });
  const answer = JSON.parse(j.body);
  if (answer.accepted !== jLines.length - 1) fail(`jornadas for ${tenant}: ${j.body}`);
}
const tenantToday = JSON.parse((await must("GET", `/api/v1/tenants/${T.csv}`, { headers: bearer(token(T.csv, "viewer")) })).body);
console.log(`tenants: ${Object.values(T).join(", ")} (time zone ${tenantToday.settings.timeZone}); homologation and ${thousands(jLines.length - 1)} jornadas each`);

// ------------------------------------------------------------------ 2. push ingest, timed
const pushes = {};
for (const format of ["csv", "json", "ndjson"]) {
  const tenant = T[format];
  const list = bodies(format);
  const admin = bearer(token(tenant, "admin"));
  const silo0 = cpuSeconds(SILO_PID);
  const cpu0 = ownCpu();
  const cores0 = coresBusy();
  const t0 = now();
  let accepted = 0;
  let rejected = 0;
  for (const b of list) {
    const r = await must("POST", `/api/v1/tenants/${tenant}/gestiones`, { headers: { ...admin, "Content-Type": CONTENT_TYPE[format] }, body: b.buf });
    const a = JSON.parse(r.body);
    accepted += a.accepted;
    rejected += Object.values(a.rejected).reduce((x, y) => x + y, 0);
  }
  const wall = now() - t0;
  const res = {
    tenant, pushes: list.length, bytes: list.reduce((s, b) => s + b.buf.length, 0), rows: ROWS, accepted, rejected, wall_s: wall, rows_per_s: ROWS / wall,
    silo_cpu_s: cpuSeconds(SILO_PID) - silo0, client_cpu_s: ownCpu() - cpu0, cores_busy_s: coresSince(cores0),
  };
  if (accepted + rejected !== ROWS) fail(`${format} push: ${accepted} accepted + ${rejected} rejected is not ${ROWS} rows`);
  pushes[format] = res;
  console.log(`push ${format.padEnd(6)} ${res.pushes} bodies, ${fx(res.bytes / 1048576, 1)} MiB, wall ${fx(wall)} s, ${thousands(res.rows_per_s)} rows/s, ` +
    `silo CPU ${fx(res.silo_cpu_s)} s, client CPU ${fx(res.client_cpu_s)} s`);
}

// `pulso compute` on the same files (both cores, as in bench/import-bench.sh).
const computeOut = path.join(OUT, "compute");
const ct = spawnSync(TIME, ["-f", "%e %U %S %M", "-o", path.join(OUT, "compute.time"), "taskset", "-c", "0,1", "dotnet", CLI, "compute", "--input", DATA, "--output", computeOut],
  { encoding: "utf8", env: baseEnv, maxBuffer: 1 << 26 });
fs.writeFileSync(path.join(OUT, "compute.out"), `${ct.stdout ?? ""}${ct.stderr ?? ""}`);
if (ct.status !== 0) fail(`pulso compute failed (exit ${ct.status}):\n${tail(ct.stderr, 20)}`);
const [cWall, cUser, cSys, cRss] = fs.readFileSync(path.join(OUT, "compute.time"), "utf8").trim().split("\n").pop().split(" ").map(Number);
const computeJson = (() => {
  try { return JSON.parse((ct.stdout ?? "").trim().split("\n").pop()); } catch { return {}; }
})();
const compute = { wall_s: cWall, cpu_s: cUser + cSys, rss_mib: cRss / 1024, rows_per_s: ROWS / cWall, rows_in: computeJson.rows_in, seconds_total: computeJson.seconds_total };
if (compute.rows_in !== undefined && compute.rows_in !== ROWS) fail(`pulso compute read ${compute.rows_in} rows, the file has ${ROWS}`);
console.log(`compute       wall ${fx(cWall)} s, ${thousands(compute.rows_per_s)} rows/s, CPU ${fx(compute.cpu_s)} s (taskset -c 0,1)`);

// Figures: each tenant's ejecutivo,dia CSV equals compute's metrics.csv without its cliente column.
const expected = readLines(path.join(computeOut, "metrics.csv")).map((l) => l.slice(l.indexOf(",") + 1));
const figures = {};
for (const [format, tenant] of Object.entries(T)) {
  const r = await must("GET", `/api/v1/tenants/${tenant}/metrics?from=${FIRST}&to=${TODAY}&groupBy=ejecutivo,dia&format=csv`, { headers: bearer(token(tenant, "analyst")) });
  const got = r.body.split("\n");
  if (got[got.length - 1] === "") got.pop();
  fs.writeFileSync(path.join(OUT, `figures-${format}.csv`), r.body);
  const diff = got.findIndex((l, i) => l !== expected[i]);
  figures[format] = got.length === expected.length && diff < 0
    ? { ok: true, groups: got.length - 1 }
    : { ok: false, detail: `${got.length - 1} groups against ${expected.length - 1}; first difference at line ${diff < 0 ? Math.min(got.length, expected.length) + 1 : diff + 1}` };
}
const figuresOk = Object.values(figures).every((f) => f.ok);
console.log(`figures: ${Object.entries(figures).map(([k, v]) => `${k} ${v.ok ? "PASS" : `FAIL (${v.detail})`}`).join(", ")}`);

// ------------------------------------------------------------------ 3. load
const viewer = token(T.csv, "viewer");
const todayPath = `/api/v1/tenants/${T.csv}/metrics?from=${TODAY}&to=${TODAY}&groupBy=ejecutivo`;
const rangePath = `/api/v1/tenants/${T.csv}/metrics?from=${FIRST}&to=${TODAY}&groupBy=ejecutivo,dia`;
const sample = async (p) => {
  const r = await must("GET", p, { headers: bearer(viewer) });
  return { bytes: Buffer.byteLength(r.body), rows: JSON.parse(r.body).rows.length };
};
const shapes = { today: await sample(todayPath), range: await sample(rangePath) };
console.log(`answers: today by ejecutivo ${shapes.today.rows} rows, ${thousands(shapes.today.bytes)} B; 90 days by ejecutivo,dia ${shapes.range.rows} rows, ${thousands(shapes.range.bytes)} B`);

const phases = {};
for (const [name, urlPath, rate] of [["today", todayPath, RATE_TODAY], ["range", rangePath, RATE_RANGE]]) {
  const q0 = await queryClock();
  const rec = perfStart(SILO_PID, name);
  const r = openLoop(`open-${name}`, urlPath, rate, viewer, SILO_PID);
  r.perf = await perfStop(rec);
  r.grain_query_ms = grainQueryMs(q0, await queryClock());
  phases[name] = r;
  console.log(`open loop ${name.padEnd(5)} ${thousands(rate)}/s for ${DURATION_S} s: achieved ${fx(r.achieved_rate, 0)}/s, ok ${thousands(r.ok)}/${thousands(r.measured)}, errors ${r.error_count}, ` +
    `p50 ${fx(r.latency_ms.p50)} p90 ${fx(r.latency_ms.p90)} p99 ${fx(r.latency_ms.p99)} max ${fx(r.latency_ms.max)} ms; ` +
    `silo CPU ${fx(r.watched_cpu_s)} s, generator CPU ${fx(r.loadgen_cpu_s)} s`);
}
if (WARMUP_S > 0) closedLoop("closed-warmup", todayPath, viewer, SILO_PID, Math.max(1, Math.round(WARMUP_S)));
const q0 = await queryClock();
const closed = closedLoop("closed-today", todayPath, viewer, SILO_PID, DURATION_S);
closed.grain_query_ms = grainQueryMs(q0, await queryClock());
console.log(`closed loop today, ${CONNECTIONS} connections, ${DURATION_S} s: ${fx(closed.rps, 0)} requests/s, p50 ${fx(closed.latency_ms.p50)} p99 ${fx(closed.latency_ms.p99)} max ${fx(closed.latency_ms.max)} ms, ` +
  `errors ${closed.errors}; silo CPU ${fx(closed.silo_cpu_s)} s, wrk CPU ${fx(closed.wrk_cpu_s)} s`);

const siloRss = peakRssMiB(SILO_PID);
await stopSilo(silo);
const load1After = os.loadavg()[0];

// ------------------------------------------------------------------ report
const ratio = (f) => pushes[f].rows_per_s / compute.rows_per_s;
const met = (ok) => (ok ? "met" : "**not met**");
const openOk = (r, p99) => r.error_count === 0 && r.latency_ms.p99 <= p99 && r.achieved_rate >= 0.98 * r.rate;
const targets = [
  [`(a) today by ejecutivo: p99 ≤ 10 ms at ${thousands(RATE_TODAY)} req/s, no errors`, openOk(phases.today, 10), `p99 ${fx(phases.today.latency_ms.p99)} ms, ${phases.today.error_count} errors`],
  [`(b) 90 days by ejecutivo,dia: p99 ≤ 50 ms at ${thousands(RATE_RANGE)} req/s, no errors`, openOk(phases.range, 50), `p99 ${fx(phases.range.latency_ms.p99)} ms, ${phases.range.error_count} errors`],
  ["push CSV ≥ 0.2× `pulso compute` rows/s", ratio("csv") >= 0.2, `${fx(ratio("csv"))}×`],
];
const md = [];
md.push(`# gateway benchmark ${facts.date}`);
md.push("");
md.push(`Data: \`gen.mjs --rows ${ROWS} --clientes 1 --seed 12\` (${ejecutivos} ejecutivos, 90 days), moved by ${shift.shift_days} days so that the last day is ` +
  `today in ${TZ} (${TODAY}); ${thousands(ROWS)} gestiones (${thousands(todayRows)} today), ${thousands(jLines.length - 1)} jornadas. ` +
  `One silo (\`taskset -c 1\`, memory storage, demo off, Release build) with the gateway co-hosted; the load generators on core 0 (\`taskset -c 0\`). ` +
  `CPU seconds of the silo from \`/proc/PID/stat\` over each measured window; of the generators from their own counters (open loop) or \`/usr/bin/time\` (wrk).`);
md.push("");
md.push("## Snapshot reads");
md.push("");
md.push(`Open loop: requests due at a fixed rate whatever the answers (\`bench/gateway-load.mjs\`, up to ${OPEN_CONNECTIONS} keep-alive connections), ` +
  `latency from each request's due time to the last byte of its answer; ${WARMUP_S} s warm-up, then ${DURATION_S} s measured. ` +
  `Closed loop: \`wrk -t1 -c${CONNECTIONS} -d${DURATION_S}s\` after a ${Math.round(WARMUP_S)} s warm-up run. JSON answers, viewer token.`);
md.push("");
md.push("| scenario | rate | achieved req/s | ok / measured | errors | p50 ms | p90 ms | p99 ms | max ms | silo CPU s (% of core 1) | silo CPU µs per request | generator CPU s | other processes' CPU s on core 1 / core 0 | grain query ms (mean) |");
md.push("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
const others = (cores, silo, generator) => (cores ? `${fx(Math.max(0, cores[1] - silo))} / ${fx(Math.max(0, cores[0] - generator))}` : "-");
for (const [name, label] of [["today", "(a) today by ejecutivo"], ["range", "(b) 90 days by ejecutivo,dia"]]) {
  const r = phases[name];
  md.push(`| ${label} (${shapes[name].rows} rows, ${thousands(shapes[name].bytes)} B) | ${thousands(r.rate)}/s open | ${fx(r.achieved_rate, 0)} | ${thousands(r.ok)} / ${thousands(r.measured)} | ${r.error_count} | ` +
    `${fx(r.latency_ms.p50)} | ${fx(r.latency_ms.p90)} | ${fx(r.latency_ms.p99)} | ${fx(r.latency_ms.max)} | ` +
    `${fx(r.watched_cpu_s)} (${fx((100 * r.watched_cpu_s) / r.window_s, 0)}%) | ${fx((1e6 * r.watched_cpu_s) / r.answered, 0)} | ${fx(r.loadgen_cpu_s)} | ` +
    `${others(r.cores_busy_s, r.watched_cpu_s, r.loadgen_cpu_s)} | ${fx(r.grain_query_ms, 2)} |`);
}
md.push(`| (c) today by ejecutivo, max throughput | ${CONNECTIONS} connections closed | **${fx(closed.rps, 0)}** | ${thousands(closed.requests)} | ${closed.errors} | ` +
  `${fx(closed.latency_ms.p50)} | ${fx(closed.latency_ms.p90)} | ${fx(closed.latency_ms.p99)} | ${fx(closed.latency_ms.max)} | ` +
  `${fx(closed.silo_cpu_s)} (${fx((100 * closed.silo_cpu_s) / closed.wall_s, 0)}%) | ${fx((1e6 * closed.silo_cpu_s) / closed.requests, 0)} | ${fx(closed.wrk_cpu_s)} | ` +
  `${others(closed.cores_busy_s, closed.silo_cpu_s, closed.wrk_cpu_s)} | ${fx(closed.grain_query_ms, 2)} |`);
md.push("");
md.push("Errors by kind: " + ["today", "range"].map((n) => `${n} ${JSON.stringify(phases[n].errors)}`).join("; ") + `; closed loop non-2xx ${closed.non2xx}, socket errors ${closed.socket_errors}.`);
md.push("Already inside the latencies, p99 / max ms: how late the generator itself noticed a request was due (its own lateness, when core 0 is taken) — " +
  ["today", "range"].map((n) => `${n} ${fx(phases[n].generator_lag_ms.p99)} / ${fx(phases[n].generator_lag_ms.max)}`).join("; ") +
  "; and until a connection was free to send it — " +
  ["today", "range"].map((n) => `${n} ${fx(phases[n].send_lag_ms.p99)} / ${fx(phases[n].send_lag_ms.max)}`).join("; ") +
  `. Most requests in flight at once: ${["today", "range"].map((n) => `${n} ${phases[n].max_in_flight}`).join(", ")}.`);
md.push("The grain query column is the silo's own `pulso_query_duration_seconds` (the MetricQueryGrain call: settings, versions, fan-out over the day tables, " +
  "evaluation, and any wait for the silo's core); the rest of a request is HTTP, authentication, routing and writing the JSON. " +
  "Other processes' CPU is each core's busy time (`/proc/stat`) less the silo's (core 1) or the generator's (core 0): " +
  "what the rest of the machine took from the benchmark's cores meanwhile. Well above zero, the latencies measure the machine's load as much as Pulso.");
md.push("");
md.push("## Push ingest");
md.push("");
md.push(`The same ${thousands(ROWS)} rows pushed by one client, one body after another (${PUSH_ROWS.toLocaleString("en")} rows a body), to three tenants; ` +
  "rows/s = rows ÷ wall time from the first request to the last answer (each answer comes after the rows are applied). " +
  "`pulso compute` reads the same files on both cores (`taskset -c 0,1`, whole process under `/usr/bin/time`).");
md.push("");
md.push("| body | bodies | MiB | wall s | rows/s | ÷ compute | silo CPU s | client CPU s | other processes' CPU s on core 1 / core 0 |");
md.push("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
for (const [f, label] of [["csv", "CSV (`text/csv`)"], ["json", "JSON array"], ["ndjson", "NDJSON"]]) {
  const p = pushes[f];
  md.push(`| ${label} | ${p.pushes} | ${fx(p.bytes / 1048576, 1)} | ${fx(p.wall_s)} | ${thousands(p.rows_per_s)} | **${fx(ratio(f))}** | ${fx(p.silo_cpu_s)} | ${fx(p.client_cpu_s)} | ` +
    `${others(p.cores_busy_s, p.silo_cpu_s, p.client_cpu_s)} |`);
}
md.push(`| \`pulso compute\` | - | ${fx(dataBytes() / 1048576, 1)} | ${fx(compute.wall_s)} | ${thousands(compute.rows_per_s)} | 1.00 | - | ${fx(compute.cpu_s)} (compute) | - |`);
md.push("");
md.push(`Rows accepted / rejected: ${Object.entries(pushes).map(([f, p]) => `${f} ${thousands(p.accepted)} / ${thousands(p.rejected)}`).join(", ")}. ` +
  `Figures (group by ejecutivo,dia as CSV, ${thousands(expected.length - 1)} groups) equal \`pulso compute\`'s: ` +
  `${Object.entries(figures).map(([f, v]) => `${f} ${v.ok ? "PASS" : `**FAIL** (${v.detail})`}`).join(", ")}.`);
md.push("");
md.push("## Targets");
md.push("");
for (const [what, ok, value] of targets) md.push(`- ${what}: ${value} — ${met(ok)}`);
md.push("");
md.push("Machine:");
md.push(`- date ${facts.date}; nproc ${facts.nproc}; CPU ${facts.cpu}; memory ${fx(facts.mem_total_gib, 1)} GiB; kernel ${facts.kernel}`);
md.push(`- dotnet SDK ${facts.dotnet}; node ${facts.node}; ${facts.wrk}; git ${facts.git}`);
md.push(`- silo start to /healthz ${fx(silo.start_s, 1)} s; silo peak RSS ${fx(siloRss, 0)} MiB`);
md.push(`- load average (1 min) ${fx(facts.load1_before)} before, ${fx(load1After)} after`);
if (PERF) md.push(`- perf profiles of the silo: ${["today", "range"].map((n) => `\`${rel(phases[n].perf)}\``).join(", ")}`);
const report = md.join("\n") + "\n";

function dataBytes() {
  return ["gestiones.csv", "jornadas.csv", "homologacion.csv"].reduce((s, f) => s + fs.statSync(path.join(DATA, f)).size, 0);
}

console.log("");
process.stdout.write(report);
fs.mkdirSync(opt.results, { recursive: true });
const mdFile = path.join(opt.results, `gateway-${stamp}.md`);
fs.writeFileSync(mdFile, report);
fs.writeFileSync(path.join(opt.results, `gateway-${stamp}.json`),
  JSON.stringify({ facts, load1_after: load1After, today: TODAY, time_zone: TZ, first: FIRST, rows: ROWS, today_rows: todayRows, ejecutivos, shapes, pushes, compute, figures, phases, closed, silo_rss_mib: siloRss }, null, 2) + "\n");
console.log(`\nreport written to ${rel(mdFile)}`);
process.exit(figuresOk ? 0 : 1);

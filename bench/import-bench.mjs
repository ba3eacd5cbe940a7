#!/usr/bin/env node
// Measuring half of bench/import-bench.sh (run that script, not this file: it
// prepares the data, the Polars reference, the builds and Redis).
//
//   node bench/import-bench.mjs --data DIR --ref DIR --kit DIR --runs N --out DIR --results DIR
//        --silo-dll PATH --cli-dll PATH --redis HOST:PORT [--redis-pid-file FILE] [--port-base B]
//
// Each round: `pulso compute` (taskset -c 0,1) under /usr/bin/time; Redis
// flushed; one silo process (taskset -c 1) with Localhost clustering and Redis
// storage; `pulso import` (taskset -c 0) under /usr/bin/time with the silo's
// and Redis's CPU time read from /proc/PID/stat around it; `pulso query` polled
// for one tenant's totals until they equal the reference; every tenant's
// figures compared with the reference by the kit's compare.mjs; the silo
// stopped. Prints a Markdown report (also RESULTS/import-<stamp>.md, raw runs
// in import-<stamp>.json). Exit 0 when every round's figures were identical.
// Node built-ins only.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

// ------------------------------------------------------------------ arguments
const opt = {};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const k = argv[i];
  if (!k.startsWith("--") || i + 1 >= argv.length) fail(`bad argument ${k}`);
  opt[k.slice(2)] = argv[++i];
}
for (const k of ["data", "ref", "kit", "runs", "out", "results", "silo-dll", "cli-dll", "redis"]) {
  if (!opt[k]) fail(`--${k} is required`);
}
const RUNS = Number(opt.runs);
if (!Number.isInteger(RUNS) || RUNS < 1) fail("--runs must be a positive integer");
const DATA = path.resolve(opt.data);
const REF = path.resolve(opt.ref);
const KIT = path.resolve(opt.kit);
const OUT = path.resolve(opt.out);
const SILO = path.resolve(opt["silo-dll"]);
const CLI = path.resolve(opt["cli-dll"]);
const PORT_BASE = opt["port-base"] ? Number(opt["port-base"]) : 0;
if (opt["port-base"] && !(Number.isInteger(PORT_BASE) && PORT_BASE >= 1024 && PORT_BASE <= 65000)) fail("--port-base must be a port number");
const [REDIS_HOST, REDIS_PORT] = (() => {
  const endpoint = opt.redis.split(",")[0].trim();
  const colon = endpoint.lastIndexOf(":");
  return colon > 0 ? [endpoint.slice(0, colon), endpoint.slice(colon + 1)] : [endpoint, "6379"];
})();
const TIME = "/usr/bin/time";
const TIME_FORMAT = "%e %U %S %M"; // wall s, user s, sys s, peak RSS KiB
const SIGNING_KEY = "import-bench-signing-key-not-a-secret-0123456789";
const SERVICE_ID = "import-bench";
const HEALTH_TIMEOUT_S = 120;
const QUERYABLE_TIMEOUT_S = 120;
const TOTALS = ["total_gestiones", "contactos", "compromisos", "saldo_total", "horas_trabajadas"];

function fail(msg) {
  console.error(`import-bench: ${msg}`);
  killChildren();
  process.exit(2);
}

// ------------------------------------------------------------------ helpers
const now = () => performance.now() / 1000;
const median = (xs) => {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const finite = (xs) => xs.filter((x) => Number.isFinite(x));
const min = (xs) => (finite(xs).length ? Math.min(...finite(xs)) : null);
const max = (xs) => (finite(xs).length ? Math.max(...finite(xs)) : null);
const fx = (x, d = 2) => (x === null || x === undefined || !Number.isFinite(x) ? "-" : x.toFixed(d));
const thousands = (n) => (Number.isFinite(n) ? Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",") : "-");
const sh = (cmd, args) => {
  const p = spawnSync(cmd, args, { encoding: "utf8" });
  return p.status === 0 ? p.stdout.trim() : null;
};
const tail = (text, n) => String(text ?? "").split("\n").slice(-n).join("\n");
const rel = (p) => path.relative(process.cwd(), p) || p;

// Exact decimal text ("-12.5", "128.00", "") to integer hundredths.
function cents(text) {
  const t = String(text ?? "").trim();
  if (t === "") return 0n;
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(t);
  if (!m) throw new Error(`not a 2-decimal number: '${t}'`);
  const v = BigInt(m[2]) * 100n + BigInt((m[3] ?? "").padEnd(2, "0"));
  return m[1] ? -v : v;
}

// One CSV line (RFC 4180 quoting, no line breaks inside) into fields.
function csvFields(line) {
  const fields = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let v = "";
      i++;
      while (i < line.length) {
        if (line[i] === '"' && line[i + 1] === '"') { v += '"'; i += 2; }
        else if (line[i] === '"') { i++; break; }
        else v += line[i++];
      }
      fields.push(v);
      i = line.indexOf(",", i) === -1 ? line.length + 1 : line.indexOf(",", i) + 1;
    } else {
      const comma = line.indexOf(",", i);
      const end = comma === -1 ? line.length : comma;
      fields.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return fields;
}

// CPU time (user + sys) of a process in clock ticks, or null when it is gone.
function cpuTicks(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(f[11]) + Number(f[12]); // fields 14 (utime) and 15 (stime)
  } catch {
    return null;
  }
}
function peakRssKiB(pid) {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}
const CLK_TCK = Number(sh("getconf", ["CLK_TCK"]) ?? 100);

// Runs ARGV under /usr/bin/time; wall, user, sys, rss from its line.
function timed(args, { env, timeFile, timeoutS = 3600 }) {
  fs.rmSync(timeFile, { force: true });
  const t0 = now();
  const p = spawnSync(TIME, ["-f", TIME_FORMAT, "-o", timeFile, ...args], {
    encoding: "utf8", env, maxBuffer: 1 << 28, timeout: timeoutS * 1000,
  });
  const t1 = now();
  const line = (fs.existsSync(timeFile) ? fs.readFileSync(timeFile, "utf8") : "")
    .split("\n").reverse().find((l) => /^\d+(\.\d+)? \d+(\.\d+)? \d+(\.\d+)? \d+$/.test(l.trim()));
  const [wall, user, sys, rssKiB] = line ? line.trim().split(" ").map(Number) : [null, null, null, null];
  return { status: p.status, signal: p.signal, stdout: p.stdout ?? "", stderr: p.stderr ?? "", t0, t1, wall, user, sys, rssKiB, ok: p.status === 0 && !!line };
}

// Prometheus text: sum of the samples of NAME whose label text contains LABEL (if given).
function promSum(text, name, label) {
  let sum = 0;
  let seen = false;
  for (const line of String(text ?? "").split("\n")) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name || (label && !(m[2] ?? "").includes(label))) continue;
    sum += Number(m[3]);
    seen = true;
  }
  return seen ? sum : null;
}
async function scrape(url) {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
    return r.ok ? await r.text() : null;
  } catch {
    return null;
  }
}

function portFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}
const usedPorts = new Set();
async function freePort(from, span) {
  for (let p = from; p < from + span; p++) {
    if (!usedPorts.has(p) && (await portFree(p))) {
      usedPorts.add(p);
      return p;
    }
  }
  fail(`no free port in ${from}..${from + span - 1}`);
}

// The environment without any Pulso__* or ASPNETCORE_URLS the caller's shell may carry.
const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("Pulso__") && k !== "ASPNETCORE_URLS"));
const children = new Set();
function killChildren() {
  for (const c of children) {
    try { process.kill(c.pid, "SIGKILL"); } catch { /* already gone */ }
  }
}
process.on("exit", killChildren);
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => { killChildren(); process.exit(sig === "SIGINT" ? 130 : 143); });

// ------------------------------------------------------------------ the reference
const refText = fs.readFileSync(path.join(REF, "metrics.csv"), "utf8").split("\n").filter(Boolean);
const refHeader = refText[0];
const refCols = refHeader.split(",");
const col = (name) => {
  const i = refCols.indexOf(name);
  if (i < 0) fail(`${rel(REF)}/metrics.csv has no column ${name}`);
  return i;
};
const refTotals = new Map();
let firstDay = null;
let lastDay = null;
for (const line of refText.slice(1)) {
  const f = line.split(",");
  const t = f[col("cliente")];
  const day = f[col("dia")];
  if (firstDay === null || day < firstDay) firstDay = day;
  if (lastDay === null || day > lastDay) lastDay = day;
  if (!refTotals.has(t)) refTotals.set(t, Object.fromEntries(TOTALS.map((m) => [m, 0n])));
  const acc = refTotals.get(t);
  for (const m of ["total_gestiones", "contactos", "compromisos"]) acc[m] += BigInt(f[col(m)]);
  for (const m of ["saldo_total", "horas_trabajadas"]) acc[m] += cents(f[col(m)]);
}
const tenants = [...refTotals.keys()].sort();
const refGroups = refText.length - 1;
const refJson = (() => {
  const f = path.join(REF, "rejects.csv");
  if (!fs.existsSync(f)) return null;
  return Object.fromEntries(fs.readFileSync(f, "utf8").split("\n").slice(1).filter(Boolean).map((l) => l.split(",")).map(([r, c]) => [r, Number(c)]));
})();

// The tenant polled for "queryable": the one the file's last row belongs to.
const gestiones = path.join(DATA, "gestiones.csv");
const pollTenant = (() => {
  const fd = fs.openSync(gestiones, "r");
  const size = fs.fstatSync(fd).size;
  const buf = Buffer.alloc(Math.min(size, 1 << 16));
  fs.readSync(fd, buf, 0, buf.length, size - buf.length);
  fs.closeSync(fd);
  const lines = buf.toString("utf8").split("\n").filter((l) => l.trim());
  const t = csvFields(lines[lines.length - 1])[1]?.trim();
  return refTotals.has(t) ? t : tenants[tenants.length - 1];
})();
const rowsIn = (() => {
  // Data rows of gestiones.csv (line count minus the header; the generator puts no line break in a field).
  const buf = Buffer.alloc(1 << 20);
  const fd = fs.openSync(gestiones, "r");
  let n = 0;
  let last = 10;
  for (let r; (r = fs.readSync(fd, buf, 0, buf.length, null)) > 0;) {
    for (let i = 0; i < r; i++) if (buf[i] === 10) n++;
    last = buf[r - 1];
  }
  fs.closeSync(fd);
  return n + (last === 10 ? 0 : 1) - 1;
})();

// ------------------------------------------------------------------ machine facts
const cpuinfo = fs.readFileSync("/proc/cpuinfo", "utf8");
const cpuModel = (cpuinfo.match(/^model name\s*:\s*(.+)$/m) ?? [])[1] ?? os.cpus()[0]?.model ?? "?";
const memKiB = Number((fs.readFileSync("/proc/meminfo", "utf8").match(/^MemTotal:\s+(\d+)/m) ?? [])[1]);
const started = new Date();
const stamp = started.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
const gitRev = sh("git", ["rev-parse", "--short", "HEAD"]);
const gitDirty = gitRev && sh("git", ["status", "--porcelain", "--untracked-files=no"]);
const redisVersion = (sh("redis-server", ["--version"]) ?? "").match(/v=(\S+)/)?.[1] ?? "?";
const facts = {
  date: started.toISOString(),
  nproc: sh("nproc", []) ?? String(os.availableParallelism()),
  cpu: cpuModel,
  mem_total_gib: memKiB / 1048576,
  kernel: os.release(),
  dotnet: sh("dotnet", ["--version"]) ?? "?",
  node: process.version,
  redis: redisVersion,
  git: gitRev ? `${gitRev}${gitDirty ? " (with uncommitted changes)" : ""}` : "no commit",
  load1_before: os.loadavg()[0],
  clk_tck: CLK_TCK,
};
const dataFiles = ["gestiones.csv", "jornadas.csv", "homologacion.csv"].map((f) => ({ f, bytes: fs.statSync(path.join(DATA, f)).size }));
const redisPid = (() => {
  if (!opt["redis-pid-file"]) return null;
  try {
    const pid = Number(fs.readFileSync(opt["redis-pid-file"], "utf8").trim());
    return Number.isInteger(pid) && cpuTicks(pid) !== null ? pid : null;
  } catch {
    return null;
  }
})();

// ------------------------------------------------------------------ one round
function compareWithKit(a, b, extra = []) {
  const p = spawnSync(process.execPath, [path.join(KIT, "compare.mjs"), a, b, "--max", "5", ...extra], { encoding: "utf8" });
  return { ok: p.status === 0, verdict: (p.stdout ?? "").trim().split("\n").pop() ?? "", detail: `${p.stdout ?? ""}${p.stderr ?? ""}` };
}

function runCompute(runDir, r) {
  const out = path.join(runDir, "compute");
  fs.rmSync(out, { recursive: true, force: true });
  const t = timed(["taskset", "-c", "0,1", "dotnet", CLI, "compute", "--input", DATA, "--output", out], {
    env: baseEnv, timeFile: path.join(runDir, "compute.time"),
  });
  fs.writeFileSync(path.join(runDir, "compute.out"), t.stdout);
  fs.writeFileSync(path.join(runDir, "compute.err"), t.stderr);
  if (!t.ok) {
    console.error(`round ${r}: pulso compute failed (exit ${t.status}${t.signal ? `, ${t.signal}` : ""})\n${tail(t.stderr, 20)}`);
    process.exit(1);
  }
  const cmp = compareWithKit(path.join(REF, "metrics.csv"), path.join(out, "metrics.csv"));
  return { wall: t.wall, cpu: t.user + t.sys, user: t.user, sys: t.sys, rss_mib: t.rssKiB / 1024, rows_per_s: rowsIn / t.wall, same_as_ref: cmp.ok, compare: cmp.verdict };
}

function clientEnv(ports, clusterId) {
  return {
    ...baseEnv,
    Pulso__Cluster__Provider: "Localhost",
    Pulso__Cluster__GatewayPort: String(ports.gateway),
    Pulso__Cluster__ClusterId: clusterId,
    Pulso__Cluster__ServiceId: SERVICE_ID,
  };
}

function query(env, tenant, extra, outFile) {
  const t0 = now();
  const p = spawnSync("taskset", ["-c", "0", "dotnet", CLI, "query", "--tenant", tenant, "--from", firstDay, "--to", lastDay, ...extra, "--format", "csv"], {
    encoding: "utf8", env, maxBuffer: 1 << 28, timeout: 300_000,
  });
  const t1 = now();
  if (outFile) fs.writeFileSync(outFile, p.stdout ?? "");
  return { ok: p.status === 0, stdout: p.stdout ?? "", stderr: p.stderr ?? "", t0, t1 };
}

// The totals in a query answer equal the reference's for TENANT.
function totalsMatch(csv, tenant) {
  const lines = csv.split("\n").filter(Boolean);
  if (lines.length !== 2) return false;
  const head = lines[0].split(",");
  const vals = lines[1].split(",");
  const ref = refTotals.get(tenant);
  try {
    return TOTALS.every((m) => {
      const i = head.indexOf(m);
      if (i < 0) return false;
      const v = m === "saldo_total" || m === "horas_trabajadas" ? cents(vals[i]) : BigInt(vals[i].trim() || "0");
      return v === ref[m];
    });
  } catch {
    return false;
  }
}

// warn/fail/crit entries of the console log: "warn: Category[id]" then an indented message line.
function logProblems(file) {
  const lines = fs.readFileSync(file, "utf8").split("\n");
  const counts = new Map();
  for (let i = 0; i < lines.length; i++) {
    const m = /^(warn|fail|crit): (\S+)/.exec(lines[i]);
    if (!m) continue;
    const exception = /^\s+([\w.]+Exception)\b/.exec(lines[i + 2] ?? "");
    const msg = (lines[i + 1] ?? "").trim()
      .replace(/\[Activation: [^\]]*?GrainType=(?:[\w.]+\.)?(\w+)[^\]]*\]/g, "[$1]")
      .replace(/\b[0-9a-f]{32}\b/g, "ID")
      .replace(/\d+(\.\d+)?/g, "N")
      .slice(0, 200);
    const key = `${m[1]}: ${m[2].replace(/\[\d+\]$/, "")}: ${msg}${exception ? ` (${exception[1]})` : ""}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]).map(([entry, count]) => ({ entry, count }));
}

async function stopSilo(silo, exited) {
  if (silo.exitCode !== null || silo.signalCode !== null) return 0;
  const t0 = now();
  silo.kill("SIGTERM");
  const done = await Promise.race([exited.then(() => true), sleep(45_000).then(() => false)]);
  if (!done) {
    silo.kill("SIGKILL");
    await exited;
  }
  children.delete(silo);
  return now() - t0;
}

async function runImport(runDir, r, ports) {
  const clusterId = `import-bench-${process.pid}-${r}`;
  const res = { ports, cluster_id: clusterId };

  // (b) a fresh one-silo cluster on an empty Redis
  const flush = spawnSync("redis-cli", ["-h", REDIS_HOST, "-p", REDIS_PORT, "flushall"], { encoding: "utf8" });
  if (flush.status !== 0 || !/OK/.test(flush.stdout)) fail(`redis-cli flushall failed: ${flush.stdout}${flush.stderr}`);
  const siloEnv = {
    ...baseEnv,
    ASPNETCORE_URLS: `http://127.0.0.1:${ports.http}`,
    Pulso__Cluster__Provider: "Localhost",
    Pulso__Cluster__SiloPort: String(ports.silo),
    Pulso__Cluster__GatewayPort: String(ports.gateway),
    Pulso__Cluster__ClusterId: clusterId,
    Pulso__Cluster__ServiceId: SERVICE_ID,
    Pulso__Storage__Provider: "Redis",
    Pulso__Storage__ConnectionString: opt.redis,
    Pulso__Auth__Jwt__SigningKey: SIGNING_KEY,
    Pulso__Demo__Enabled: "false",
  };
  const siloLog = path.join(runDir, "silo.log");
  const logFd = fs.openSync(siloLog, "w");
  const tStart = now();
  const silo = spawn("taskset", ["-c", "1", "dotnet", SILO], { env: siloEnv, stdio: ["ignore", logFd, logFd] });
  fs.closeSync(logFd);
  children.add(silo);
  const exited = new Promise((resolve) => silo.once("exit", resolve));
  const base = `http://127.0.0.1:${ports.http}`;
  for (;;) {
    if (silo.exitCode !== null || silo.signalCode !== null) {
      fail(`round ${r}: the silo exited (${silo.exitCode ?? silo.signalCode}) before serving /healthz:\n${tail(fs.readFileSync(siloLog, "utf8"), 30)}`);
    }
    if (now() - tStart > HEALTH_TIMEOUT_S) fail(`round ${r}: the silo did not serve ${base}/healthz within ${HEALTH_TIMEOUT_S} s (log: ${rel(siloLog)})`);
    try {
      const h = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (h.ok) break;
    } catch { /* not listening yet */ }
    await sleep(100);
  }
  res.silo_pid = silo.pid;
  res.silo_start_s = now() - tStart;

  // (b) the import, the silo's and Redis's CPU time around it
  const env = clientEnv(ports, clusterId);
  // Scraped before the import, not between its end and the first poll, so the poll follows at once.
  const metricsBefore = await scrape(`${base}/metrics`);
  const siloTicks0 = cpuTicks(silo.pid);
  const redisTicks0 = redisPid ? cpuTicks(redisPid) : null;
  const t = timed(["taskset", "-c", "0", "dotnet", CLI, "import", "--input", DATA], { env, timeFile: path.join(runDir, "import.time") });
  const tEnd = t.t1;
  const siloTicks1 = cpuTicks(silo.pid);
  const redisTicks1 = redisPid ? cpuTicks(redisPid) : null;
  fs.writeFileSync(path.join(runDir, "import.out"), t.stdout);
  fs.writeFileSync(path.join(runDir, "import.err"), t.stderr);
  if (!t.ok) {
    console.error(`round ${r}: pulso import failed (exit ${t.status}${t.signal ? `, ${t.signal}` : ""})\n${tail(t.stderr, 20)}\n--- silo log\n${tail(fs.readFileSync(siloLog, "utf8"), 20)}`);
    await stopSilo(silo, exited);
    process.exit(1);
  }
  res.wall = t.wall;
  res.rows_per_s = rowsIn / t.wall;
  res.importer_cpu = t.user + t.sys;
  res.importer_user = t.user;
  res.importer_sys = t.sys;
  res.importer_rss_mib = t.rssKiB / 1024;
  res.silo_cpu = siloTicks0 !== null && siloTicks1 !== null ? (siloTicks1 - siloTicks0) / CLK_TCK : null;
  res.redis_cpu = redisTicks0 !== null && redisTicks1 !== null ? (redisTicks1 - redisTicks0) / CLK_TCK : null;
  const summary = /imported ([\d,]+) rows in ([\d.]+) s: ([\d,]+) accepted, ([\d,]+) rejected; ([\d,]+) day batches sent, ([\d,]+) already applied/.exec(t.stdout);
  if (summary) {
    const n = (s) => Number(s.replaceAll(",", ""));
    Object.assign(res, { import_rows: n(summary[1]), import_inproc_s: Number(summary[2]), accepted: n(summary[3]), rejected: n(summary[4]), day_batches: n(summary[5]), duplicates: n(summary[6]) });
  }
  res.import_retries = (t.stderr.match(/\(retrying\)/g) ?? []).length;
  // Progress lines carry rows so far and the running mean rate, so each one's time since the reading
  // started is rows ÷ rate; the rate between the first and the last line leaves out the warm-up.
  const progress = [...t.stderr.matchAll(/pulso import: \d+% \(([\d,]+) rows[^,]*, ([\d,]+) rows\/s\)/g)]
    .map((m) => ({ rows: Number(m[1].replaceAll(",", "")), rate: Number(m[2].replaceAll(",", "")) }))
    .filter((p) => p.rate > 0)
    .map((p) => ({ rows: p.rows, at: p.rows / p.rate }));
  if (progress.length >= 2) {
    const [a, b] = [progress[0], progress[progress.length - 1]];
    res.first_progress_s = a.at;
    res.steady_rows_per_s = b.at > a.at ? (b.rows - a.rows) / (b.at - a.at) : null;
  }

  // (c) time to queryable: poll one tenant's totals until they equal the reference
  const polls = [];
  let matched = null;
  while (!matched && now() - tEnd < QUERYABLE_TIMEOUT_S) {
    const q = query(env, pollTenant, ["--metrics", TOTALS.join(",")], path.join(runDir, "poll.csv"));
    const poll = { start_after_import_s: q.t0 - tEnd, duration_s: q.t1 - q.t0, ok: q.ok, match: q.ok && totalsMatch(q.stdout, pollTenant) };
    if (!q.ok) poll.error = tail(q.stderr, 3).trim();
    polls.push(poll);
    if (poll.match) matched = poll;
    else await sleep(50);
  }
  // Nothing but the polls queried the silo since metricsBefore, and nothing has imported since the import.
  const metricsAfter = await scrape(`${base}/metrics`);
  res.polls = polls;
  res.queryable_after_s = matched ? matched.start_after_import_s : null;
  res.query_s = matched ? matched.duration_s : null;
  const delta = (name, label) => {
    if (metricsBefore === null || metricsAfter === null) return null;
    return (promSum(metricsAfter, name, label) ?? 0) - (promSum(metricsBefore, name, label) ?? 0);
  };
  const queryCount = delta("pulso_query_duration_seconds_count");
  res.query_in_silo_ms = queryCount > 0 ? (delta("pulso_query_duration_seconds_sum") / queryCount) * 1000 : null;

  // (d) every tenant's figures against the reference
  const clusterDir = path.join(runDir, "cluster");
  fs.mkdirSync(clusterDir, { recursive: true });
  const lines = [refHeader];
  let queryFailed = null;
  for (const tenant of tenants) {
    const q = query(env, tenant, ["--group-by", "ejecutivo,dia"], path.join(clusterDir, `${tenant}.csv`));
    if (!q.ok) { queryFailed = `${tenant}: ${tail(q.stderr, 3).trim()}`; break; }
    for (const l of q.stdout.split("\n").slice(1)) if (l) lines.push(`${tenant},${l}`);
  }
  fs.writeFileSync(path.join(clusterDir, "metrics.csv"), lines.join("\n") + "\n");
  if (queryFailed) {
    res.figures = { ok: false, verdict: `pulso query failed: ${queryFailed}` };
  } else {
    const cmp = compareWithKit(path.join(clusterDir, "metrics.csv"), path.join(REF, "metrics.csv"), ["--no-rejects"]);
    fs.writeFileSync(path.join(runDir, "compare.log"), cmp.detail);
    res.figures = { ok: cmp.ok, verdict: cmp.verdict, groups: lines.length - 1 };
  }
  if (res.rejected !== undefined && refJson) {
    const refRejected = Object.values(refJson).reduce((a, b) => a + b, 0);
    res.rejects_ok = res.rejected === refRejected;
  }

  // what the silo says about the import (its /metrics)
  const applySum = delta("pulso_batch_apply_duration_seconds_sum");
  const applyCount = delta("pulso_batch_apply_duration_seconds_count");
  res.silo_metrics = {
    ingest_rows: delta("pulso_ingest_rows_total"),
    batches_applied: delta("pulso_batches_total", 'outcome="applied"'),
    batches_duplicate: delta("pulso_batches_total", 'outcome="duplicate"'),
    apply_count: applyCount,
    apply_mean_ms: applyCount > 0 ? (applySum / applyCount) * 1000 : null,
    apply_total_s: applySum,
    journal_delta_bytes: delta("pulso_journal_written_bytes_total", 'kind="delta"'),
    journal_snapshot_bytes: delta("pulso_journal_written_bytes_total", 'kind="snapshot"'),
  };

  // (e) stop the silo
  res.silo_rss_mib = (peakRssKiB(silo.pid) ?? NaN) / 1024;
  res.silo_stop_s = await stopSilo(silo, exited);
  res.silo_exit = silo.exitCode ?? silo.signalCode;
  res.silo_log = logProblems(siloLog);
  return res;
}

// ------------------------------------------------------------------ rounds
fs.mkdirSync(OUT, { recursive: true });
console.log(`rows: ${thousands(rowsIn)}; tenants: ${tenants.join(", ")}; days ${firstDay}..${lastDay}; polled tenant: ${pollTenant}`);
if (facts.load1_before > 0.5) console.log(`warning: load average ${fx(facts.load1_before)} — the machine is not idle, the figures will be noisy`);
console.log(`rounds: ${RUNS} of compute -> import; Redis ${REDIS_HOST}:${REDIS_PORT}${redisPid ? ` (pid ${redisPid})` : " (pid unknown: no Redis CPU time)"}`);
const rounds = [];
for (let r = 1; r <= RUNS; r++) {
  const runDir = path.join(OUT, `run${r}`);
  fs.rmSync(runDir, { recursive: true, force: true });
  fs.mkdirSync(runDir, { recursive: true });
  const load1 = os.loadavg()[0];
  const compute = runCompute(runDir, r);
  console.log(`round ${r}/${RUNS} compute  wall ${fx(compute.wall).padStart(6)} s  ${thousands(compute.rows_per_s).padStart(10)} rows/s  ` +
    `CPU ${fx(compute.cpu)} s  RSS ${fx(compute.rss_mib, 0)} MiB  load1 ${fx(load1)}  ${compute.same_as_ref ? "= Polars" : "DIFFERS from Polars"}`);
  // Default bases 18480 / 21480 / 31480 (500 ports each); --port-base B takes B, B+100 and B+200 (100 each).
  const ports = PORT_BASE
    ? { http: await freePort(PORT_BASE + r, 100), silo: await freePort(PORT_BASE + 100 + r, 100), gateway: await freePort(PORT_BASE + 200 + r, 100) }
    : { http: await freePort(18480 + r, 500), silo: await freePort(21480 + r, 500), gateway: await freePort(31480 + r, 500) };
  const imp = await runImport(runDir, r, ports);
  console.log(`round ${r}/${RUNS} import   wall ${fx(imp.wall).padStart(6)} s  ${thousands(imp.rows_per_s).padStart(10)} rows/s  ` +
    `silo CPU ${fx(imp.silo_cpu)} s  importer CPU ${fx(imp.importer_cpu)} s  Redis CPU ${fx(imp.redis_cpu)} s  ` +
    `queryable after ${fx(imp.queryable_after_s, 3)} s (${imp.polls.length} poll${imp.polls.length === 1 ? "" : "s"}, query ${fx(imp.query_s)} s)  ` +
    `figures ${imp.figures.ok ? "PASS" : "FAIL"}`);
  rounds.push({ round: r, load1, compute, import: imp, ratio: imp.rows_per_s / compute.rows_per_s });
}
const load1After = os.loadavg()[0];

// ------------------------------------------------------------------ report
const col3 = (xs, d = 2) => `${fx(median(xs), d)} | ${fx(min(xs), d)} | ${fx(max(xs), d)}`;
const colRate = (xs) => `${thousands(median(xs))} | ${thousands(min(xs))} | ${thousands(max(xs))}`;
const C = rounds.map((x) => x.compute);
const I = rounds.map((x) => x.import);
const ratioOfMedians = median(I.map((x) => x.rows_per_s)) / median(C.map((x) => x.rows_per_s));
const ratios = rounds.map((x) => x.ratio);
const allPass = I.every((x) => x.figures.ok);
const verdict = (x) => (x >= 0.6 ? "meets the goal (0.6)" : x >= 0.3 ? "meets the target (0.3), below the goal (0.6)" : "**below the target (0.3)**");

const md = [];
md.push(`# import benchmark ${facts.date}`);
md.push("");
md.push(`Data: \`${rel(DATA)}\`, ${thousands(rowsIn)} gestiones rows, 3 tenants (${tenants.join(", ")}), days ${firstDay}..${lastDay}; ` +
  dataFiles.map((d) => `${d.f} ${thousands(d.bytes)} B`).join(", ") + `. Reference: polars_ref.mjs, ${thousands(refGroups)} groups.`);
md.push(`${RUNS} round${RUNS === 1 ? "" : "s"}, each \`pulso compute\` (\`taskset -c 0,1\`) then a fresh cluster: Redis flushed, ` +
  "one silo process (Localhost clustering, Redis storage, demo off) on core 1, `pulso import` on core 0. " +
  "Wall, CPU and peak RSS of compute and importer from `/usr/bin/time -f '%e %U %S %M'` (whole process, start-up and JIT included); " +
  "silo and Redis CPU from `/proc/PID/stat` just before the import started and just after it exited (silo start-up excluded); " +
  "silo peak RSS is its `VmHWM` at the end of the round. rows/s = gestiones rows in the file ÷ wall time.");
md.push("");
md.push("| measure | median | min | max |");
md.push("|---|---:|---:|---:|");
md.push(`| compute rows/s | ${colRate(C.map((x) => x.rows_per_s))} |`);
md.push(`| import rows/s | ${colRate(I.map((x) => x.rows_per_s))} |`);
md.push(`| import / compute (target ≥ 0.3, goal 0.6) | ${fx(ratioOfMedians)} | ${fx(min(ratios))} | ${fx(max(ratios))} |`);
md.push(`| compute wall s | ${col3(C.map((x) => x.wall))} |`);
md.push(`| import wall s | ${col3(I.map((x) => x.wall))} |`);
md.push(`| import in-process s (its own summary) | ${col3(I.map((x) => x.import_inproc_s))} |`);
md.push(`| import rows/s after warm-up (between its first and last progress lines) | ${colRate(I.map((x) => x.steady_rows_per_s))} |`);
md.push(`| import: reading started → first progress line s | ${col3(I.map((x) => x.first_progress_s))} |`);
md.push(`| compute CPU s (user+sys) | ${col3(C.map((x) => x.cpu))} |`);
md.push(`| importer CPU s (user+sys) | ${col3(I.map((x) => x.importer_cpu))} |`);
md.push(`| silo CPU s during the import | ${col3(I.map((x) => x.silo_cpu))} |`);
md.push(`| Redis CPU s during the import | ${col3(I.map((x) => x.redis_cpu))} |`);
md.push(`| compute peak RSS MiB | ${col3(C.map((x) => x.rss_mib), 0)} |`);
md.push(`| importer peak RSS MiB | ${col3(I.map((x) => x.importer_rss_mib), 0)} |`);
md.push(`| silo peak RSS MiB | ${col3(I.map((x) => x.silo_rss_mib), 0)} |`);
md.push(`| time to queryable s (first matching query issued after the import exited) | ${col3(I.map((x) => x.queryable_after_s), 3)} |`);
md.push(`| that query's duration s (\`pulso query\` process) | ${col3(I.map((x) => x.query_s))} |`);
md.push(`| query time in the silo ms (\`pulso_query_duration_seconds\`) | ${col3(I.map((x) => x.query_in_silo_ms), 1)} |`);
md.push(`| silo start to /healthz s | ${col3(I.map((x) => x.silo_start_s))} |`);
md.push("");
md.push(`Import / compute: ${fx(ratioOfMedians)} (ratio of the medians) — ${verdict(ratioOfMedians)}.`);
md.push("");
md.push("| round | compute wall s | import wall s | ratio | silo CPU s | importer CPU s | Redis CPU s | day batches (dup.) | mean apply ms | polls | queryable after s | figures |");
md.push("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
for (const x of rounds) {
  const i = x.import;
  md.push(`| ${x.round} | ${fx(x.compute.wall)} | ${fx(i.wall)} | ${fx(x.ratio)} | ${fx(i.silo_cpu)} | ${fx(i.importer_cpu)} | ${fx(i.redis_cpu)} | ` +
    `${thousands(i.day_batches)} (${thousands(i.duplicates)}) | ${fx(i.silo_metrics.apply_mean_ms, 1)} | ${i.polls.length} | ${fx(i.queryable_after_s, 3)} | ` +
    `${i.figures.ok ? "PASS" : "**FAIL**"} |`);
}
md.push("");
md.push(`Figures: ${allPass ? `PASS — in every round all ${tenants.length} tenants' figures (group by ejecutivo,dia, ${thousands(refGroups)} groups) equal Polars (compare.mjs)` : "**FAIL** — see below"}.`);
for (const x of rounds.filter((y) => !y.import.figures.ok)) md.push(`- round ${x.round}: ${x.import.figures.verdict} (\`${rel(path.join(OUT, `run${x.round}`, "compare.log"))}\`)`);
md.push(`Compute output: ${C.every((x) => x.same_as_ref) ? "identical to Polars in every round" : "**differs from Polars**: " + C.map((x) => x.compare).join("; ")}.`);
const rejectsOk = I.every((x) => x.rejects_ok !== false);
md.push(`Import summary: ${thousands(I[0].accepted)} accepted, ${thousands(I[0].rejected)} rejected (${rejectsOk ? "= the reference's rejects" : "**not** the reference's rejects"}); ` +
  `retried calls ${I.map((x) => x.import_retries).join(" / ")}; silo: ${thousands(I[0].silo_metrics.ingest_rows)} rows ingested, ` +
  `${thousands(I[0].silo_metrics.batches_applied)} batches applied, mean apply ${fx(I[0].silo_metrics.apply_mean_ms, 1)} ms ` +
  `(${fx(I[0].silo_metrics.apply_total_s)} s in total), journals ${fx((I[0].silo_metrics.journal_delta_bytes ?? NaN) / 1048576, 1)} MiB delta + ` +
  `${fx((I[0].silo_metrics.journal_snapshot_bytes ?? NaN) / 1048576, 1)} MiB snapshot (round 1).`);
const problems = new Map();
for (const i of I) for (const p of i.silo_log) problems.set(p.entry, (problems.get(p.entry) ?? 0) + p.count);
if (problems.size) {
  md.push("");
  md.push("Silo log warnings and errors (all rounds; numbers replaced by N):");
  for (const [entry, count] of [...problems].sort((a, b) => b[1] - a[1]).slice(0, 10)) md.push(`- ${count}× \`${entry}\``);
} else {
  md.push("Silo logs: no warnings or errors.");
}
md.push("");
md.push("Machine:");
md.push(`- date ${facts.date}; nproc ${facts.nproc}; CPU ${facts.cpu}; memory ${fx(facts.mem_total_gib, 1)} GiB; kernel ${facts.kernel}`);
md.push(`- dotnet SDK ${facts.dotnet}; node ${facts.node}; redis-server ${facts.redis}; git ${facts.git}`);
md.push(`- load average (1 min) ${fx(facts.load1_before)} before, ${fx(load1After)} after; per round before compute: ${rounds.map((x) => fx(x.load1)).join(" / ")}`);
const report = md.join("\n") + "\n";

console.log("");
process.stdout.write(report);
fs.mkdirSync(opt.results, { recursive: true });
const mdFile = path.join(opt.results, `import-${stamp}.md`);
fs.writeFileSync(mdFile, report);
fs.writeFileSync(path.join(opt.results, `import-${stamp}.json`),
  JSON.stringify({ facts, load1_after: load1After, data: DATA, rows_in: rowsIn, tenants, poll_tenant: pollTenant, ref_totals: Object.fromEntries([...refTotals].map(([k, v]) => [k, Object.fromEntries(Object.entries(v).map(([a, b]) => [a, b.toString()]))])), rounds }, null, 2) + "\n");
console.log(`\nreport written to ${rel(mdFile)}`);
process.exit(allPass ? 0 : 1);

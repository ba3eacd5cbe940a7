#!/usr/bin/env node
// Measuring half of bench/compute-bench.sh (run that script, not this file:
// it prepares the data, the reference kit and the published CLI).
//
//   node bench/compute-bench.mjs --data DIR --out DIR --kit DIR --runs N --results DIR
//                                (--pulso-bin PATH | --pulso-shell 'COMMAND')
//
// Runs pulso, polars_ref and duckdb_ref round-robin, each under
// `/usr/bin/time -f '%e %M %U %S'` (wall s, peak RSS KiB, user s, sys s),
// checks every output against the first one with the kit's compare.mjs and
// prints a Markdown report (also written to RESULTS/compute-<timestamp>.md,
// with the raw runs in compute-<timestamp>.json). Node built-ins only.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

// ------------------------------------------------------------------ arguments
const opt = {};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const k = argv[i];
  if (!k.startsWith("--") || i + 1 >= argv.length) fail(`bad argument ${k}`);
  opt[k.slice(2)] = argv[++i];
}
for (const k of ["data", "out", "kit", "runs", "results"]) if (!opt[k]) fail(`--${k} is required`);
if (!opt["pulso-bin"] === !opt["pulso-shell"]) fail("give exactly one of --pulso-bin, --pulso-shell");
const RUNS = Number(opt.runs);
if (!Number.isInteger(RUNS) || RUNS < 3) fail("--runs must be an integer >= 3");
const DATA = path.resolve(opt.data);
const OUT = path.resolve(opt.out);
const KIT = path.resolve(opt.kit);
const TIME = "/usr/bin/time";

function fail(msg) {
  console.error(`compute-bench: ${msg}`);
  process.exit(2);
}

// ------------------------------------------------------------------ engines
const shq = (s) => `'${String(s).replaceAll("'", `'\\''`)}'`;
function pulsoArgv(input, output) {
  if (opt["pulso-bin"]) return [path.resolve(opt["pulso-bin"]), "compute", "--input", input, "--output", output];
  let cmd = opt["pulso-shell"];
  if (cmd.includes("{input}") || cmd.includes("{output}")) {
    cmd = cmd.replaceAll("{input}", shq(input)).replaceAll("{output}", shq(output));
  } else {
    cmd = `${cmd} compute --input ${shq(input)} --output ${shq(output)}`;
  }
  return ["bash", "-c", cmd.replaceAll("{kit}", shq(KIT))];
}
const engines = [
  { name: "pulso", argv: pulsoArgv },
  { name: "polars", argv: (i, o) => [process.execPath, path.join(KIT, "polars_ref.mjs"), i, o] },
  { name: "duckdb", argv: (i, o) => [process.execPath, path.join(KIT, "duckdb_ref.mjs"), i, o] },
];

// ------------------------------------------------------------------ helpers
const median = (xs) => {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const fx = (x, d = 2) => (x === null || x === undefined || !Number.isFinite(x) ? "-" : x.toFixed(d));
const thousands = (n) => (Number.isFinite(n) ? Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",") : "-");
const lastJson = (text) => {
  const line = text.split("\n").map((l) => l.trim()).filter(Boolean).reverse().find((l) => l.startsWith("{"));
  if (!line) return {};
  try { return JSON.parse(line); } catch { return {}; }
};
const sh = (cmd, args) => {
  const p = spawnSync(cmd, args, { encoding: "utf8" });
  return p.status === 0 ? p.stdout.trim() : null;
};
const tail = (text, n) => text.split("\n").slice(-n).join("\n");

// ------------------------------------------------------------------ machine facts
const cpuinfo = fs.readFileSync("/proc/cpuinfo", "utf8");
const cpuModel = (cpuinfo.match(/^model name\s*:\s*(.+)$/m) ?? [])[1] ?? os.cpus()[0]?.model ?? "?";
const memKiB = Number((fs.readFileSync("/proc/meminfo", "utf8").match(/^MemTotal:\s+(\d+)/m) ?? [])[1]);
const started = new Date();
const stamp = started.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
const gitRev = sh("git", ["rev-parse", "--short", "HEAD"]);
const gitDirty = gitRev && sh("git", ["status", "--porcelain", "--untracked-files=no"]);
const facts = {
  date: started.toISOString(),
  nproc: sh("nproc", []) ?? String(os.availableParallelism()),
  cpu: cpuModel,
  mem_total_gib: memKiB / 1048576,
  kernel: os.release(),
  dotnet: sh("dotnet", ["--version"]) ?? "?",
  node: process.version,
  git: gitRev ? `${gitRev}${gitDirty ? " (with uncommitted changes)" : ""}` : "no commit",
  load1_before: os.loadavg()[0],
};
const dataFiles = ["gestiones.csv", "jornadas.csv", "homologacion.csv"].map((f) => ({
  f, bytes: fs.statSync(path.join(DATA, f)).size,
}));

// ------------------------------------------------------------------ runs
const results = Object.fromEntries(engines.map((e) => [e.name, []]));
const outputs = [];
const timeFile = path.join(OUT, "time.txt");
fs.mkdirSync(OUT, { recursive: true });
console.log(`runs: ${RUNS} rounds of ${engines.map((e) => e.name).join(" -> ")}`);
for (let r = 1; r <= RUNS; r++) {
  for (const e of engines) {
    const out = path.join(OUT, e.name, `run${r}`);
    fs.rmSync(out, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(out), { recursive: true });
    const load1 = os.loadavg()[0];
    const cmd = e.argv(DATA, out);
    fs.rmSync(timeFile, { force: true });
    const p = spawnSync(TIME, ["-f", "%e %M %U %S", "-o", timeFile, ...cmd], {
      encoding: "utf8", maxBuffer: 1 << 28,
    });
    const tline = (fs.existsSync(timeFile) ? fs.readFileSync(timeFile, "utf8") : "")
      .split("\n").reverse().find((l) => /^\d+(\.\d+)? \d+ \d+(\.\d+)? \d+(\.\d+)?$/.test(l.trim()));
    if (p.status !== 0 || !tline) {
      console.error(`${e.name} run ${r} failed (exit ${p.status}${p.signal ? `, ${p.signal}` : ""}): ${cmd.join(" ")}`);
      console.error(tail(p.stderr ?? "", 30));
      console.error(tail(p.stdout ?? "", 5));
      process.exit(1);
    }
    const [wall, rssKiB, user, sys] = tline.trim().split(" ").map(Number);
    const j = lastJson(p.stdout);
    const run = { round: r, wall, rss_mib: rssKiB / 1024, cpu: user + sys, user, sys, load1, json: j };
    results[e.name].push(run);
    outputs.push({ name: `${e.name} run ${r}`, metrics: path.join(out, "metrics.csv") });
    console.log(
      `round ${r}/${RUNS} ${e.name.padEnd(6)} wall ${fx(wall).padStart(7)} s  peak RSS ${fx(rssKiB / 1024, 0).padStart(6)} MiB  ` +
      `user+sys ${fx(user + sys).padStart(7)} s  load1 ${fx(load1)}  in-process ${fx(j.seconds_total)} s`,
    );
  }
}
const load1After = os.loadavg()[0];

// ------------------------------------------------------------------ outputs agree
const compare = [];
const [first, ...rest] = outputs;
for (const o of rest) {
  const p = spawnSync(process.execPath, [path.join(KIT, "compare.mjs"), first.metrics, o.metrics, "--max", "5"], { encoding: "utf8" });
  const verdict = (p.stdout ?? "").trim().split("\n").pop();
  compare.push({ name: o.name, ok: p.status === 0, verdict, detail: p.status === 0 ? "" : `${p.stdout}${p.stderr}` });
}
const allSame = compare.every((c) => c.ok);

// ------------------------------------------------------------------ report
const refRows = results.polars[0].json.rows_in ?? results.duckdb[0].json.rows_in;
const stats = engines.map((e) => {
  const rs = results[e.name];
  const walls = rs.map((x) => x.wall);
  const med = median(walls);
  const rowsIn = Number(rs[0].json.rows_in ?? refRows);
  return {
    name: e.name,
    label: rs[0].json.engine ? String(rs[0].json.engine) : e.name,
    runs: rs.length,
    wall: med,
    min: Math.min(...walls),
    max: Math.max(...walls),
    rowsPerS: Number.isFinite(rowsIn) && med > 0 ? rowsIn / med : null,
    rss: median(rs.map((x) => x.rss_mib)),
    cpu: median(rs.map((x) => x.cpu)),
    inproc: median(rs.map((x) => Number(x.json.seconds_total))),
  };
});
const by = Object.fromEntries(stats.map((s) => [s.name, s]));
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : null);

const md = [];
md.push(`# compute benchmark ${facts.date}`);
md.push("");
md.push(`Data: \`${path.relative(process.cwd(), DATA) || DATA}\`, ${thousands(refRows)} gestiones rows, ` +
  dataFiles.map((d) => `${d.f} ${thousands(d.bytes)} B`).join(", ") + ".");
md.push(`Median of ${RUNS} runs per engine, engines alternated round-robin (pulso, polars, duckdb), files in the page cache. ` +
  "Wall time, peak RSS and CPU time measured from outside with `/usr/bin/time -f '%e %M %U %S'` " +
  "(whole process: start-up, module loading / JIT, read, compute, write).");
if (opt["pulso-shell"]) md.push(`**pulso here is \`${opt["pulso-shell"]}\` (PULSO_CLI), not the published CLI.**`);
md.push("");
md.push("| engine | median wall s | min / max wall s | rows/s | median peak RSS MiB | median user+sys CPU s | median in-process s |");
md.push("|---|---:|---:|---:|---:|---:|---:|");
for (const s of stats) {
  const label = s.label === s.name ? s.name : `${s.name} (${s.label})`;
  md.push(`| ${label} | ${fx(s.wall)} | ${fx(s.min)} / ${fx(s.max)} | ${thousands(s.rowsPerS)} | ${fx(s.rss, 0)} | ${fx(s.cpu)} | ${fx(s.inproc)} |`);
}
md.push("");
md.push("| ratio (< 1: Pulso is faster / smaller) | wall time | peak memory |");
md.push("|---|---:|---:|");
for (const o of ["polars", "duckdb"]) {
  md.push(`| Pulso / ${o === "polars" ? "Polars" : "DuckDB"} | ${fx(ratio(by.pulso.wall, by[o].wall))} | ${fx(ratio(by.pulso.rss, by[o].rss))} |`);
}
md.push("");
md.push(`Outputs: ${allSame ? `all ${outputs.length} identical to ${first.name} (compare.mjs)` : "**DIFFERENT** — see below"}.`);
for (const c of compare.filter((x) => !x.ok)) md.push(`- ${c.name}: ${c.verdict}`);
md.push("");
md.push("Machine:");
md.push(`- date ${facts.date}; nproc ${facts.nproc}; CPU ${facts.cpu}; memory ${fx(facts.mem_total_gib, 1)} GiB; kernel ${facts.kernel}`);
md.push(`- dotnet SDK ${facts.dotnet}; node ${facts.node}; git ${facts.git}`);
md.push(`- load average (1 min) ${fx(facts.load1_before)} before, ${fx(load1After)} after`);
const report = md.join("\n") + "\n";

console.log("");
process.stdout.write(report);
for (const c of compare.filter((x) => !x.ok)) console.log(`\n--- ${first.name} vs ${c.name}\n${c.detail}`);

fs.mkdirSync(opt.results, { recursive: true });
const mdFile = path.join(opt.results, `compute-${stamp}.md`);
fs.writeFileSync(mdFile, report);
fs.writeFileSync(path.join(opt.results, `compute-${stamp}.json`),
  JSON.stringify({ facts, load1_after: load1After, data: DATA, rows_in: refRows, runs: results, stats, compare }, null, 2) + "\n");
console.log(`\nreport written to ${path.relative(process.cwd(), mdFile) || mdFile}`);
process.exit(allSame ? 0 : 1);

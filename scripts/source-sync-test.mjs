// Driver of scripts/source-sync-test.sh (read that file first): talks to one silo's HTTP API
// as an operator and as each tenant's admin, kills and resumes the database servers through
// scripts/services.sh, and compares figures with the Polars reference through compare.mjs.
import { createHmac } from "node:crypto";
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const api = process.env.PULSO_API;
const key = process.env.PULSO_SIGNING_KEY;
const kit = process.env.PULSO_KIT;
const work = process.env.PULSO_WORK;
const siloLog = process.env.PULSO_SILO_LOG;
const pgPort = process.env.PULSO_PG_PORT_USED;
const myPort = process.env.PULSO_MY_PORT_USED;

const log = (m) => console.log(`    sources: ${m}`);
const b64 = (o) => Buffer.from(typeof o === "string" ? o : JSON.stringify(o)).toString("base64url");
function token(tenant, role) {
  const head = b64({ alg: "HS256", typ: "JWT" });
  const body = b64({ sub: `${role}@${tenant}`, tenant, role, iss: "pulso", aud: "pulso", exp: Math.floor(Date.now() / 1000) + 3600 });
  return `${head}.${body}.${createHmac("sha256", key).update(`${head}.${body}`).digest("base64url")}`;
}

async function call(method, path, { tenant = "ops", role = "operator", body, type = "application/json" } = {}) {
  const res = await fetch(api + path, {
    method,
    headers: { authorization: `Bearer ${token(tenant, role)}`, ...(body === undefined ? {} : { "content-type": type }) },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: (() => { try { return JSON.parse(text); } catch { return null; } })() };
}

async function must(method, path, opts, ok = [200, 201, 204]) {
  const r = await call(method, path, opts);
  if (!ok.includes(r.status)) throw new Error(`${method} ${path}: ${r.status} ${r.text.slice(0, 500)}`);
  return r;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Polls `ask` until `done(answer)`; fails naming `what` after `seconds`. */
async function until(what, seconds, ask, done) {
  const deadline = Date.now() + seconds * 1000;
  let last;
  for (;;) {
    last = await ask();
    if (done(last)) return last;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${seconds} s; last ${JSON.stringify(last).slice(0, 400)}`);
    await sleep(100);
  }
}

const services = (...args) => execFileSync("bash", ["scripts/services.sh", ...args], { encoding: "utf8" }).trim();

// Reference figures and expectations.
const countLines = (f) => readFileSync(f, "utf8").split("\n").filter((l) => l.length > 0).length - 1;
const gestiones = countLines(join(work, "data/gestiones.csv"));
const first = countLines(join(work, "first.csv"));
const jornadas = countLines(join(work, "data/jornadas.csv"));
const refRejects = Object.fromEntries(readFileSync(join(work, "polars/rejects.csv"), "utf8").trim().split("\n").slice(1).map((l) => l.split(",")).map(([r, n]) => [r, Number(n)]));
const refMetrics = readFileSync(join(work, "polars/metrics.csv"), "utf8").trim().split("\n");
const cliente = refMetrics[1].split(",")[0];
const days = refMetrics.slice(1).map((l) => l.split(",")[2]).sort();
const from = days[0], to = days[days.length - 1];

// The homologation without its cliente column (the tenants here have their own ids).
function homologationCsv() {
  const lines = readFileSync(join(work, "data/homologacion.csv"), "utf8").trim().split("\n");
  // cliente never holds a comma or a quote: dropping the first field is safe.
  return lines.map((l) => l.slice(l.indexOf(",") + 1)).join("\n") + "\n";
}

const mapping = {
  gestion_id: "id_gestion", fecha: "fec_gestion", documento: "nro_documento", ejecutivo: "cod_asesor",
  tipificacion: "resultado", saldo: "saldo_deuda", dias_mora: "dias_atraso", canal: "medio",
};
const secretPassword = `s3cret-${process.pid}-pw`;
const cases = [
  {
    name: "postgres", tenant: `pg-banco-${process.pid}`, server: "postgres",
    source: {
      kind: "postgres",
      secret: `Host=127.0.0.1;Port=${pgPort};Username=postgres;Password=${secretPassword};Database=pulso;Maximum Pool Size=4`,
      gestiones: { table: "cobranza.gestiones_banco", watermarkColumn: "id_gestion", columns: mapping },
      jornadas: { table: "cobranza.asistencia", watermarkColumn: "id", columns: { ejecutivo: "asesor", fecha: "dia", horas_trabajadas: "horas" } },
      pageSize: 10000, pollIntervalSeconds: 0.5, settleLagSeconds: 0.5,
    },
    // A page query of the source running now (not this one).
    inFlight: () => execFileSync("psql", ["-X", "-tA", `postgresql://postgres@127.0.0.1:${pgPort}/pulso`, "-c",
      "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%gestiones_banco%ORDER BY%' AND pid <> pg_backend_pid()"], { encoding: "utf8" }).trim() !== "0",
    insertLater: () => execFileSync("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", `postgresql://postgres@127.0.0.1:${pgPort}/pulso`,
      "-c", `\\copy cobranza.gestiones_banco FROM '${join(work, "later.csv")}' WITH (FORMAT csv, HEADER true)`]),
  },
  {
    name: "mariadb", tenant: `my-banco-${process.pid}`, server: "mariadb",
    source: {
      kind: "mysql",
      secret: `Server=127.0.0.1;Port=${myPort};User ID=pulso;Password=pulso;Database=pulso;Maximum Pool Size=4`,
      gestiones: { table: "gestiones_banco", watermarkColumn: "id_gestion", columns: mapping },
      jornadas: { table: "asistencia", watermarkColumn: "id", columns: { ejecutivo: "asesor", fecha: "dia", horas_trabajadas: "horas" } },
      pageSize: 10000, pollIntervalSeconds: 0.5, settleLagSeconds: 0.5,
    },
    inFlight: () => execFileSync("mariadb", ["--no-defaults", "-h", "127.0.0.1", "-P", myPort, "-u", "pulso", "-ppulso", "-N", "-B", "-e",
      "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND = 'Query' AND INFO LIKE '%gestiones_banco%ORDER BY%' AND ID <> CONNECTION_ID()"], { encoding: "utf8" }).trim() !== "0",
    insertLater: () => execFileSync("mariadb", ["--no-defaults", "-h", "127.0.0.1", "-P", myPort, "-u", "pulso", "-ppulso", "--local-infile=1", "pulso", "-e",
      `LOAD DATA LOCAL INFILE '${join(work, "later.csv")}' INTO TABLE gestiones_banco CHARACTER SET utf8mb4 FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '"' ESCAPED BY '' LINES TERMINATED BY '\\n' IGNORE 1 LINES`]),
  },
];

async function run(c) {
  const t0 = Date.now();
  const admin = { tenant: c.tenant, role: "admin" };
  await must("POST", "/api/v1/tenants", { body: { tenant: c.tenant, displayName: c.name, timeZone: "America/Lima", retentionDays: 3650, metrics: [] } });
  await must("PUT", `/api/v1/tenants/${c.tenant}/homologation`, { ...admin, body: homologationCsv(), type: "text/csv" });
  const put = await must("PUT", `/api/v1/tenants/${c.tenant}/sources/crm`, { ...admin, body: c.source });
  if (put.json.source.secret !== "********") throw new Error(`PUT answered the secret: ${put.json.source.secret}`);
  const status = async () => (await must("GET", `/api/v1/tenants/${c.tenant}/sources/crm/status`, admin)).json.status;

  // Killed in the middle of the sync, while a page query is running, and restarted once the source has seen it fail.
  await until("a fifth of the rows pulled", 120, status, (s) => s.rows >= first / 5);
  const deadline = Date.now() + 60_000;
  let pageInFlight = false;
  // A fast machine may pull the rest before a page query is caught running: past half the rows, kill between pages.
  while (!(pageInFlight = c.inFlight()) && Date.now() < deadline && (await status()).rows < first / 2) { /* poll the server */ }
  services("kill", c.server);
  c.killed = true;
  const before = await status();
  if (before.rows >= first + jornadas) throw new Error("the sync ended before the server could be killed in its middle");
  const failed = await until("the source reports the outage", 60, status, (s) => s.consecutiveFailures > 0 && s.lastError);
  log(`${c.name}: server killed at ${before.rows} rows${pageInFlight ? ", a page query running" : ", between pages"}; reported: ${failed.lastError.slice(0, 120)}`);
  if (failed.lastError.includes(secretPassword)) throw new Error("the last error quotes the password");
  services("resume", c.server);
  c.killed = false;
  // The back-off after a few failures can be long: a sync does not wait for it.
  await until("the sync after the restart", 60, async () => (await must("POST", `/api/v1/tenants/${c.tenant}/sources/crm/sync`, admin)).json.status,
    (s) => s.consecutiveFailures === 0);
  const caught = await until("every row loaded so far", 240, status, (s) => s.rows === first + jornadas);

  // Rows inserted later appear on the next poll (the timer, not a sync).
  c.insertLater();
  const all = await until("the rows inserted later", 120, status, (s) => s.rows === gestiones + jornadas);
  if (all.lastError) throw new Error(`last error after catching up: ${all.lastError}`);

  // Figures: the snapshot against Polars, rejects against its rejects.csv.
  const csv = (await must("GET", `/api/v1/tenants/${c.tenant}/metrics?from=${from}&to=${to}&groupBy=ejecutivo,dia&format=csv`, admin)).text.trim().split("\n");
  const out = join(work, `${c.name}-metrics.csv`);
  writeFileSync(out, [refMetrics[0], ...csv.slice(1).map((l) => `${cliente},${l}`)].join("\n") + "\n");
  const compare = spawnSync("node", [join(kit, "compare.mjs"), out, join(work, "polars/metrics.csv"), "--no-rejects", "--max", "10"], { encoding: "utf8" });
  if (compare.status !== 0) throw new Error(`figures differ from Polars:\n${compare.stdout}${compare.stderr}`);
  for (const [reason, n] of Object.entries(refRejects)) {
    if ((all.rejected[reason] ?? 0) !== n) throw new Error(`rejected ${reason}: ${all.rejected[reason] ?? 0}, Polars ${n}`);
  }
  if (all.accepted !== gestiones - Object.values(refRejects).reduce((a, b) => a + b, 0) + jornadas) throw new Error(`accepted ${all.accepted}`);

  // The secret is never answered nor logged.
  const got = await must("GET", `/api/v1/tenants/${c.tenant}/sources/crm`, admin);
  if (got.text.includes(c.source.secret) || got.json.source.secret !== "********") throw new Error("GET answered the secret");
  if (readFileSync(siloLog, "utf8").includes(secretPassword)) throw new Error("the silo log holds the password");
  return `${refMetrics.length - 1} groups equal Polars, rejects equal, killed at ${before.rows} rows, ${caught.rows} then ${all.rows} rows; ${((Date.now() - t0) / 1000).toFixed(1)} s`;
}

let passed = 0, failed = 0;
for (const c of cases) {
  try {
    const detail = await run(c);
    console.log(`sources: ${c.name} PASS (${detail})`);
    passed++;
  } catch (e) {
    console.log(`sources: ${c.name} FAIL (${String(e.message ?? e).split("\n")[0]})`);
    for (const line of String(e.message ?? e).split("\n").slice(1, 20)) console.log(`      ${line}`);
    failed++;
  } finally {
    if (c.killed) services("resume", c.server); // the next case and the other tests need it
  }
}
console.log(`sources: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

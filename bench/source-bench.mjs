// Driver of bench/source-bench.sh (read that file first).
import { createHmac } from "node:crypto";
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";

const env = process.env;
const [api, key, kit, data, out] = [env.PULSO_API, env.PULSO_SIGNING_KEY, env.PULSO_KIT, env.PULSO_DATA, env.PULSO_OUT];
const rows = Number(env.PULSO_ROWS), runs = Number(env.PULSO_RUNS), page = Number(env.PULSO_PAGE);
const columns = ["id_gestion", "fec_gestion", "nro_documento", "cod_asesor", "resultado", "saldo_deuda", "dias_atraso", "medio"];
const mapping = { gestion_id: "id_gestion", fecha: "fec_gestion", documento: "nro_documento", ejecutivo: "cod_asesor", tipificacion: "resultado", saldo: "saldo_deuda", dias_mora: "dias_atraso", canal: "medio" };

const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
function token(tenant, role) {
  const head = b64({ alg: "HS256", typ: "JWT" });
  const body = b64({ sub: `${role}@${tenant}`, tenant, role, iss: "pulso", aud: "pulso", exp: Math.floor(Date.now() / 1000) + 7200 });
  return `${head}.${body}.${createHmac("sha256", key).update(`${head}.${body}`).digest("base64url")}`;
}
async function call(method, path, tenant, role, body, type = "application/json") {
  const res = await fetch(api + path, { method, headers: { authorization: `Bearer ${token(tenant, role)}`, "content-type": type }, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body) });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  try { return JSON.parse(text); } catch { return text; }
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The same keyset SELECTs the source sends, every page, in one client session; output formatted to /dev/null.
function pagesSql(quote) {
  const q = (c) => quote + c + quote;
  const lines = [];
  for (let last = 0; last < rows; last += page)
    lines.push(`SELECT ${columns.map(q).join(", ")} FROM ${q("gestiones_banco")} WHERE ${q("id_gestion")} > ${last} ORDER BY ${q("id_gestion")} LIMIT ${page};`);
  return lines.join("\n") + "\n";
}
writeFileSync(join(out, "pages-pg.sql"), pagesSql('"'));
writeFileSync(join(out, "pages-my.sql"), pagesSql("`"));
function client(db) {
  const t0 = process.hrtime.bigint();
  const r = db === "postgres"
    ? spawnSync("bash", ["-c", `psql -X -At -f ${join(out, "pages-pg.sql")} postgresql://postgres@127.0.0.1:${env.PULSO_PG_PORT_USED}/pulso > /dev/null`])
    : spawnSync("bash", ["-c", `mariadb --no-defaults -B -h 127.0.0.1 -P ${env.PULSO_MY_PORT_USED} -u pulso -ppulso pulso < ${join(out, "pages-my.sql")} > /dev/null`]);
  if (r.status !== 0) throw new Error(`${db} client failed: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const homologation = readFileSync(join(data, "homologacion.csv"), "utf8").trim().split("\n").map((l) => l.slice(l.indexOf(",") + 1)).join("\n") + "\n";
const refMetrics = readFileSync(join(data, "polars/metrics.csv"), "utf8").trim().split("\n");
const cliente = refMetrics[1].split(",")[0];
const days = refMetrics.slice(1).map((l) => l.split(",")[2]).sort();
const cpuTicks = (pid) => { const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" "); return Number(f[11]) + Number(f[12]); };
const ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }));

async function pulso(db, round) {
  const tenant = `bench-${db === "postgres" ? "pg" : "my"}-${round}-${process.pid}`;
  await call("POST", "/api/v1/tenants", "ops", "operator", { tenant, displayName: tenant, timeZone: "America/Lima", retentionDays: 3650, metrics: [] });
  await call("PUT", `/api/v1/tenants/${tenant}/homologation`, tenant, "admin", homologation, "text/csv");
  const secret = db === "postgres"
    ? `Host=127.0.0.1;Port=${env.PULSO_PG_PORT_USED};Username=postgres;Database=pulso`
    : `Server=127.0.0.1;Port=${env.PULSO_MY_PORT_USED};User ID=pulso;Password=pulso;Database=pulso`;
  const cpu0 = cpuTicks(env.PULSO_SILO_PID);
  const t0 = process.hrtime.bigint();
  await call("PUT", `/api/v1/tenants/${tenant}/sources/crm`, tenant, "admin", {
    kind: db === "postgres" ? "postgres" : "mysql", secret, pageSize: page, pollIntervalSeconds: 0.2,
    gestiones: { table: "gestiones_banco", watermarkColumn: "id_gestion", columns: mapping },
    jornadas: { table: "asistencia", watermarkColumn: "id", columns: { ejecutivo: "asesor", fecha: "dia", horas_trabajadas: "horas" } },
  });
  let status;
  for (;;) {
    status = (await call("GET", `/api/v1/tenants/${tenant}/sources/crm/status`, tenant, "admin")).status;
    if (status.rows >= rows + jornadas) break;
    if (status.lastError) throw new Error(`${db}: ${status.lastError}`);
    await sleep(50);
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const siloCpu = (cpuTicks(env.PULSO_SILO_PID) - cpu0) / ticksPerSecond;
  await call("PUT", `/api/v1/tenants/${tenant}/sources/crm`, tenant, "admin", { kind: db === "postgres" ? "postgres" : "mysql", secret: "********", enabled: false, pageSize: page, gestiones: { table: "gestiones_banco", watermarkColumn: "id_gestion", columns: mapping }, jornadas: { table: "asistencia", watermarkColumn: "id", columns: { ejecutivo: "asesor", fecha: "dia", horas_trabajadas: "horas" } } });
  const csv = await call("GET", `/api/v1/tenants/${tenant}/metrics?from=${days[0]}&to=${days[days.length - 1]}&groupBy=ejecutivo,dia&format=csv`, tenant, "admin");
  const file = join(out, `${tenant}.csv`);
  writeFileSync(file, [refMetrics[0], ...csv.trim().split("\n").slice(1).map((l) => `${cliente},${l}`)].join("\n") + "\n");
  const same = spawnSync("node", [join(kit, "compare.mjs"), file, join(data, "polars/metrics.csv"), "--no-rejects"]).status === 0;
  return { seconds, siloCpu, same };
}

const jornadas = readFileSync(join(data, "jornadas.csv"), "utf8").trim().split("\n").length - 1;
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const results = { postgres: { client: [], pulso: [] }, mariadb: { client: [], pulso: [] } };
// One untimed sync per database first: the silo's JIT and first activations are not the pull rate.
for (const db of ["postgres", "mariadb"]) await pulso(db, 0);
const load0 = loadavg()[0];
for (let round = 1; round <= runs; round++) {
  for (const db of ["postgres", "mariadb"]) {
    results[db].client.push(client(db));
    results[db].pulso.push(await pulso(db, round));
    console.error(`round ${round} ${db}: client ${results[db].client.at(-1).toFixed(2)} s, pulso ${results[db].pulso.at(-1).seconds.toFixed(2)} s`);
  }
}
const load1 = loadavg()[0];
const git = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
const lines = [
  `## source pull benchmark: ${rows.toLocaleString("en")} gestiones, pages of ${page.toLocaleString("en")}, ${runs} rounds`,
  "",
  "| database | client | client median s | client rows/s | Pulso median s (min–max) | Pulso rows/s | Pulso / client time | silo CPU s | figures = Polars |",
  "|---|---|---:|---:|---:|---:|---:|---:|---|",
];
for (const [db, r] of Object.entries(results)) {
  const c = median(r.client), p = median(r.pulso.map((x) => x.seconds));
  const ps = r.pulso.map((x) => x.seconds);
  lines.push(`| ${db} | ${db === "postgres" ? "psql -At" : "mariadb -B"} | ${c.toFixed(2)} | ${Math.round(rows / c).toLocaleString("en")} | ${p.toFixed(2)} (${Math.min(...ps).toFixed(2)}–${Math.max(...ps).toFixed(2)}) | ${Math.round(rows / p).toLocaleString("en")} | ${(p / c).toFixed(2)} | ${median(r.pulso.map((x) => x.siloCpu)).toFixed(2)} | ${r.pulso.every((x) => x.same) ? "yes" : "NO"} |`);
}
lines.push("", `Machine: ${cpus().length} × ${cpus()[0].model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; load average ${load0.toFixed(2)} before, ${load1.toFixed(2)} after; git ${git}; ${new Date().toISOString()}.`);
const report = lines.join("\n") + "\n";
process.stdout.write(report);
writeFileSync(join(env.PULSO_RESULTS, `source-${new Date().toISOString().replace(/[:.]/g, "-")}.md`), report);
process.exit(Object.values(results).every((r) => r.pulso.every((x) => x.same)) ? 0 : 1);

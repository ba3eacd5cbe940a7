// deploy/grafana/pulso-dashboard.json refers only to series that exist: every pulso_* name in a query is created in
// the code (a string literal under src/), other names are prometheus-net's own (HTTP middleware, process); panel ids
// are unique and every query goes through the dashboard's datasource variable.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const LIBRARY_SERIES = new Set([
  "http_request_duration_seconds", "http_requests_received_total", "http_requests_in_progress",
  "process_cpu_seconds_total", "process_working_set_bytes", "process_private_memory_bytes", "process_virtual_memory_bytes",
  "process_num_threads", "process_open_handles", "process_start_time_seconds",
]);

function sources(folder) {
  return readdirSync(folder).flatMap(name => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return ["bin", "obj"].includes(name) ? [] : sources(path);
    return name.endsWith(".cs") ? [readFileSync(path, "utf8")] : [];
  });
}

export function checkDashboard(root) {
  const problems = [];
  const dashboard = JSON.parse(readFileSync(join(root, "deploy/grafana/pulso-dashboard.json"), "utf8"));
  const code = sources(join(root, "src")).join("\n");
  const ids = new Set();
  const names = new Set();
  for (const panel of dashboard.panels) {
    if (ids.has(panel.id)) problems.push(`panel id ${panel.id} used twice`);
    ids.add(panel.id);
    if (panel.gridPos.x + panel.gridPos.w > 24) problems.push(`panel '${panel.title}' is wider than the grid`);
    for (const target of panel.targets ?? []) {
      if (target.datasource?.uid !== "${datasource}") problems.push(`panel '${panel.title}': query not on the \${datasource} variable`);
      for (const m of target.expr.matchAll(/\b((?:pulso|http|process)_[a-z0-9_]+)\b/g)) names.add(m[1].replace(/_(bucket|sum|count)$/, ""));
    }
  }
  for (const name of names) {
    if (name.startsWith("pulso_") ? !code.includes(`"${name}"`) : !LIBRARY_SERIES.has(name)) problems.push(`series ${name} is created nowhere`);
  }
  if (names.size === 0) problems.push("no query names a series");
  return { problems, series: names.size, panels: dashboard.panels.filter(p => p.type !== "row").length };
}

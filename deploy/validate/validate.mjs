// Offline validation of the Kubernetes manifests (no cluster, no kubectl):
//
//   node deploy/validate/validate.mjs deploy/k8s        validate the kustomization (and the Dockerfile, the Grafana dashboard)
//   node deploy/validate/validate.mjs --self-test       every defect of defects.mjs, made in a copy of deploy/k8s, is found
//
// 1. The kustomization is built the way kustomize would for the fields used here (namespace, labels, images); any
//    other field is refused rather than ignored.
// 2. Every object is validated against the Kubernetes API schema of its apiVersion and kind (npm kubernetes-models,
//    which ships the OpenAPI schemas compiled into validators): types, required fields, enums, formats.
// 3. Unknown fields: the compiled validators accept properties they do not know, so each key of each object is
//    probed: its value is replaced by one no schema accepts, and the key is known only if the validator then reports
//    an error at that key's path. A misspelt or misplaced field is reported with its path.
// 4. Pulso's own rules: shutdown fits in the grace period, probes on /healthz and /readyz, a preStop drain, resource
//    requests and limits, non-root containers, and every reference (ConfigMap, Secret, ServiceAccount, Service and
//    PodDisruptionBudget selectors, autoscaler targets, probe ports) resolves.
//
// Prints one line per check and `k8s: N passed, N failed`; exit code 1 when anything failed.
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createRequire } from "node:module";
import { parseAllDocuments } from "yaml";
import { checkDockerfile } from "./dockerfile.mjs";
import { checkDashboard } from "./dashboard.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const modelsRoot = dirname(require.resolve("kubernetes-models/package.json"));

const KUSTOMIZATION_FIELDS = new Set(["apiVersion", "kind", "namespace", "labels", "resources", "images"]);
const CLUSTER_SCOPED = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume", "StorageClass", "PriorityClass"]);
const PROBE = Symbol("unknown-field-probe");

/** Reads a kustomization folder into its final objects, each with the file it came from. */
function build(folder) {
  const path = join(folder, "kustomization.yaml");
  if (!existsSync(path)) throw new Error(`${path}: not found`);
  const k = parseYaml(path)[0];
  const problems = [];
  for (const key of Object.keys(k)) if (!KUSTOMIZATION_FIELDS.has(key)) problems.push(`kustomization.yaml: field '${key}' is not handled by this validator`);
  if (k.apiVersion !== "kustomize.config.k8s.io/v1beta1" || k.kind !== "Kustomization") problems.push("kustomization.yaml: apiVersion/kind must be kustomize.config.k8s.io/v1beta1 Kustomization");
  if (!Array.isArray(k.resources) || k.resources.length === 0) problems.push("kustomization.yaml: resources is empty");
  const objects = [];
  for (const file of k.resources ?? []) {
    for (const object of parseYaml(join(folder, file))) objects.push({ file, object });
  }
  const listed = new Set(k.resources ?? []);
  for (const file of readdirSync(folder).filter(f => /\.ya?ml$/.test(f) && f !== "kustomization.yaml")) {
    if (!listed.has(file)) problems.push(`${file}: not listed in kustomization.yaml resources`);
  }
  for (const { object } of objects) {
    object.metadata ??= {};
    if (k.namespace && !CLUSTER_SCOPED.has(object.kind)) object.metadata.namespace = k.namespace;
    for (const set of k.labels ?? []) {
      for (const key of Object.keys(set)) if (!["pairs", "includeSelectors", "includeTemplates"].includes(key)) problems.push(`kustomization.yaml: labels.${key} is not handled`);
      if (set.includeSelectors || set.includeTemplates) problems.push("kustomization.yaml: labels with includeSelectors/includeTemplates are not handled");
      object.metadata.labels = { ...(object.metadata.labels ?? {}), ...set.pairs };
    }
    for (const container of containers(object)) {
      const image = (k.images ?? []).find(i => i.name === container.image.split(":")[0]);
      if (image) container.image = `${image.newName ?? image.name}:${image.newTag ?? "latest"}`;
    }
  }
  return { objects, problems, namespace: k.namespace };
}

function parseYaml(path) {
  const docs = parseAllDocuments(readFileSync(path, "utf8"));
  const out = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0].message}`);
    const value = doc.toJS();
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

function containers(object) {
  const pod = object.spec?.template?.spec;
  return pod ? [...(pod.initContainers ?? []), ...(pod.containers ?? [])] : [];
}

/** The model class and the compiled schema validator of an apiVersion and kind. */
async function schemaOf(apiVersion, kind) {
  const modulePath = apiVersion === "v1" ? `v1/${kind}.js` : `${apiVersion}/${kind}.js`;
  const file = join(modelsRoot, modulePath);
  if (!existsSync(file)) return null;
  const model = (await import(pathToFileURL(file).href))[kind];
  const schemaName = /_schemas\/(\w+)\.js/.exec(readFileSync(file, "utf8"))?.[1];
  const { validate } = await import(pathToFileURL(join(modelsRoot, "_schemas", `${schemaName}.js`)).href);
  return { model, validate };
}

const pointer = segments => segments.map(s => "/" + String(s).replaceAll("~", "~0").replaceAll("/", "~1")).join("");

/** Paths of keys the schema does not know, found by probing each key (see the header). */
function unknownFields(validate, object) {
  const unknown = [];
  const visit = (node, path) => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => visit(item, [...path, i]));
      return;
    }
    if (node === null || typeof node !== "object") return;
    for (const key of Object.keys(node)) {
      const saved = node[key];
      node[key] = PROBE;
      validate(object);
      const at = pointer([...path, key]);
      const known = (validate.errors ?? []).some(e => e.instancePath === at || e.instancePath.startsWith(at + "/"));
      node[key] = saved;
      if (!known) unknown.push(at);
      else visit(saved, [...path, key]);
    }
  };
  visit(object, []);
  return unknown;
}

/** Pulso's rules for its workloads, and the references between objects. */
function pulsoRules(objects) {
  const problems = [];
  const byKind = kind => objects.filter(o => o.kind === kind);
  const named = (kind, name) => objects.some(o => o.kind === kind && o.metadata.name === name);
  const config = Object.assign({}, ...byKind("ConfigMap").map(c => c.data ?? {}));
  const matches = (selector, labels) => Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);
  for (const w of [...byKind("Deployment"), ...byKind("StatefulSet")]) {
    const name = `${w.kind}/${w.metadata.name}`;
    const pod = w.spec.template.spec;
    if (!matches(w.spec.selector?.matchLabels, w.spec.template.metadata?.labels)) problems.push(`${name}: selector does not match its pod labels`);
    if (pod.serviceAccountName && !named("ServiceAccount", pod.serviceAccountName)) problems.push(`${name}: ServiceAccount ${pod.serviceAccountName} is not defined`);
    if (pod.securityContext?.runAsNonRoot !== true) problems.push(`${name}: pod securityContext.runAsNonRoot must be true`);
    for (const c of pod.containers) {
      const where = `${name} container ${c.name}`;
      for (const source of c.envFrom ?? []) {
        if (source.configMapRef && !named("ConfigMap", source.configMapRef.name)) problems.push(`${where}: ConfigMap ${source.configMapRef.name} is not defined`);
        if (source.secretRef && !named("Secret", source.secretRef.name)) problems.push(`${where}: Secret ${source.secretRef.name} is not defined`);
      }
      for (const [probe, path] of [["startupProbe", null], ["readinessProbe", "/readyz"], ["livenessProbe", "/healthz"]]) {
        const p = c[probe];
        if (!p?.httpGet) { problems.push(`${where}: ${probe} (httpGet) is missing`); continue; }
        if (path && p.httpGet.path !== path) problems.push(`${where}: ${probe} must probe ${path}, not ${p.httpGet.path}`);
        if (!["/healthz", "/readyz"].includes(p.httpGet.path)) problems.push(`${where}: ${probe} probes ${p.httpGet.path}`);
        if (typeof p.httpGet.port === "string" && !(c.ports ?? []).some(port => port.name === p.httpGet.port)) problems.push(`${where}: ${probe} names port ${p.httpGet.port}, which the container does not declare`);
      }
      for (const port of c.ports ?? []) if (port.name && !/^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/.test(port.name)) problems.push(`${where}: port name '${port.name}' is not an IANA service name of at most 15 characters`);
      if ((c.readinessProbe?.timeoutSeconds ?? 1) <= 5) problems.push(`${where}: readinessProbe.timeoutSeconds must exceed the 5 s grain round trip of /readyz`);
      for (const kind of ["requests", "limits"]) for (const r of ["cpu", "memory"]) if (!c.resources?.[kind]?.[r]) problems.push(`${where}: resources.${kind}.${r} is missing`);
      if (c.securityContext?.allowPrivilegeEscalation !== false) problems.push(`${where}: securityContext.allowPrivilegeEscalation must be false`);
      // Shutdown: preStop (drain file + sleep), then the host's ShutdownTimeout, all within the grace period.
      const command = (c.lifecycle?.preStop?.exec?.command ?? []).join(" ");
      const drain = config.Pulso__Health__DrainFile;
      if (!drain || !command.includes(`touch ${drain}`)) problems.push(`${where}: preStop must create the drain file Pulso__Health__DrainFile (${drain ?? "unset"}) so that /readyz turns 503 first`);
      const sleep = Number(/sleep (\d+)/.exec(command)?.[1] ?? 0);
      const shutdown = c.name === "silo" ? Number(config.Pulso__Cluster__ShutdownTimeoutSeconds ?? 30) : 30;
      const grace = pod.terminationGracePeriodSeconds ?? 30;
      if (!(sleep + shutdown < grace)) problems.push(`${where}: preStop sleep ${sleep} s + ShutdownTimeout ${shutdown} s must stay below terminationGracePeriodSeconds ${grace}`);
      if (drain && !(c.volumeMounts ?? []).some(m => drain.startsWith(m.mountPath + "/"))) problems.push(`${where}: the drain file ${drain} is on no writable volume (the root filesystem is read-only)`);
    }
  }
  for (const s of byKind("Service")) {
    if (!objects.some(o => o.spec?.template && matches(s.spec.selector, o.spec.template.metadata?.labels))) problems.push(`Service/${s.metadata.name}: selector matches no workload`);
    for (const port of s.spec.ports ?? []) {
      if (typeof port.targetPort === "string" && !objects.some(o => o.spec?.template && matches(s.spec.selector, o.spec.template.metadata?.labels)
        && containers(o).some(c => (c.ports ?? []).some(p => p.name === port.targetPort)))) problems.push(`Service/${s.metadata.name}: targetPort ${port.targetPort} is no container port`);
    }
  }
  for (const b of byKind("PodDisruptionBudget")) {
    if (!objects.some(o => o.spec?.template && matches(b.spec.selector?.matchLabels, o.spec.template.metadata?.labels))) problems.push(`PodDisruptionBudget/${b.metadata.name}: selector matches no workload`);
  }
  for (const h of byKind("HorizontalPodAutoscaler")) {
    const t = h.spec.scaleTargetRef;
    if (!named(t.kind, t.name)) problems.push(`HorizontalPodAutoscaler/${h.metadata.name}: target ${t.kind}/${t.name} is not defined`);
    else if ((objects.find(o => o.kind === t.kind && o.metadata.name === t.name).spec.replicas ?? 1) < h.spec.minReplicas) problems.push(`HorizontalPodAutoscaler/${h.metadata.name}: ${t.name} starts below minReplicas`);
  }
  if (config.Pulso__Cluster__Provider !== "AdoNet") problems.push("ConfigMap: Pulso__Cluster__Provider must be AdoNet on Kubernetes");
  if (config.Pulso__Storage__Provider !== "Redis") problems.push("ConfigMap: Pulso__Storage__Provider must be Redis on Kubernetes");
  return problems;
}

/** Every problem of a kustomization folder, each naming its file and path; `mutate` changes the built objects first. */
export async function check(folder, mutate = () => {}) {
  const built = build(folder);
  const problems = built.problems;
  const files = new Map(built.objects.map(o => [o.object, o.file]));
  const list = built.objects.map(o => o.object);
  mutate(list);
  const objects = list.map(object => ({ file: files.get(object) ?? "(added)", object }));
  for (const { file, object } of objects) {
    const name = `${file}: ${object.kind}/${object.metadata?.name}`;
    const schema = await schemaOf(object.apiVersion, object.kind);
    if (!schema) { problems.push(`${name}: no schema for apiVersion ${object.apiVersion} kind ${object.kind}`); continue; }
    try {
      new schema.model(structuredClone(object)).validate();
    } catch (e) {
      problems.push(`${name}: ${e.message.split("\n").slice(0, 3).join(" ")}`);
      continue;
    }
    for (const path of unknownFields(schema.validate, structuredClone(object))) problems.push(`${name}: unknown field ${path}`);
  }
  problems.push(...pulsoRules(objects.map(o => o.object)));
  return { objects: objects.length, problems };
}

async function main(args) {
  let passed = 0, failed = 0;
  const report = (ok, text) => { console.log(`    k8s: ${ok ? "PASS" : "FAIL"} ${text}`); ok ? passed++ : failed++; };
  if (args[0] === "--self-test") {
    // The checker can fail: each defect, made alone in the built manifests, must be reported as expected.
    const { defects } = await import("./defects.mjs");
    for (const defect of defects) {
      const { problems } = await check(join(here, "..", "k8s"), objects => defect.make(objects));
      const hit = problems.some(p => p.includes(defect.expect));
      report(hit, `defect '${defect.name}' found ('${defect.expect}')${hit ? "" : `; got: ${problems.join(" | ") || "no problem"}`}`);
    }
  } else {
    const folder = resolve(args[0] ?? join(here, "..", "k8s"));
    const { objects, problems } = await check(folder);
    for (const p of problems) console.log(`    ${p}`);
    report(problems.length === 0 && objects > 0, `${objects} objects of ${folder.split("/").slice(-2).join("/")} valid against the Kubernetes schemas, no unknown field, Pulso's rules hold`);
    const docker = checkDockerfile(resolve(here, "..", ".."));
    for (const p of docker) console.log(`    Dockerfile: ${p}`);
    report(docker.length === 0, "deploy/docker/Dockerfile: stages, COPY sources, non-root silo and gateway targets, entry points");
    const grafana = checkDashboard(resolve(here, "..", ".."));
    for (const p of grafana.problems) console.log(`    Grafana: ${p}`);
    report(grafana.problems.length === 0, `deploy/grafana/pulso-dashboard.json: ${grafana.panels} panels over ${grafana.series} series, each created by the code or prometheus-net`);
  }
  console.log(`k8s: ${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main(process.argv.slice(2));

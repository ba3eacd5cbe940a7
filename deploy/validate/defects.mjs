// Defects the validator must find (node validate.mjs --self-test): each is made alone in a copy of the built
// deploy/k8s objects, and the report must contain `expect`.
const find = (objects, kind, name) => objects.find(o => o.kind === kind && o.metadata.name === name);
const silo = objects => find(objects, "Deployment", "pulso-silo");
const siloContainer = objects => silo(objects).spec.template.spec.containers[0];

export const defects = [
  {
    name: "misspelt container field",
    expect: "unknown field /spec/template/spec/containers/0/readinessprobe",
    make: objects => { const c = siloContainer(objects); c.readinessprobe = c.readinessProbe; },
  },
  {
    name: "field at the wrong level",
    expect: "unknown field /spec/template/spec/preStop",
    make: objects => { silo(objects).spec.template.spec.preStop = { exec: { command: ["true"] } }; },
  },
  {
    name: "misspelt metadata field",
    expect: "unknown field /metadata/lables",
    make: objects => { find(objects, "Service", "pulso-gateway").metadata.lables = { a: "b" }; },
  },
  {
    name: "unknown field under an autoscaler",
    expect: "unknown field /spec/behavior/scaleDown/stabilisationWindowSeconds",
    make: objects => { find(objects, "HorizontalPodAutoscaler", "pulso-silo").spec.behavior.scaleDown.stabilisationWindowSeconds = 60; },
  },
  {
    name: "wrong type",
    expect: "Deployment/pulso-gateway: data/spec/replicas must be integer",
    make: objects => { find(objects, "Deployment", "pulso-gateway").spec.replicas = "two"; },
  },
  {
    name: "value outside an enum",
    expect: "Service/pulso-gateway: data/spec/ports/0/protocol must be equal to one of the allowed values",
    make: objects => { find(objects, "Service", "pulso-gateway").spec.ports[0].protocol = "HTTP"; },
  },
  {
    name: "grace period shorter than preStop + shutdown",
    expect: "must stay below terminationGracePeriodSeconds",
    make: objects => { silo(objects).spec.template.spec.terminationGracePeriodSeconds = 35; },
  },
  {
    name: "preStop that does not drain",
    expect: "preStop must create the drain file",
    make: objects => { siloContainer(objects).lifecycle.preStop.exec.command = ["/bin/sh", "-c", "sleep 10"]; },
  },
  {
    name: "readiness on the liveness route",
    expect: "readinessProbe must probe /readyz",
    make: objects => { siloContainer(objects).readinessProbe.httpGet.path = "/healthz"; },
  },
  {
    name: "missing Secret",
    expect: "Secret pulso-redis is not defined",
    make: objects => { objects.splice(objects.findIndex(o => o.kind === "Secret" && o.metadata.name === "pulso-redis"), 1); },
  },
  {
    name: "Service selecting nothing",
    expect: "Service/pulso-silo: selector matches no workload",
    make: objects => { find(objects, "Service", "pulso-silo").spec.selector["app.kubernetes.io/component"] = "silos"; },
  },
  {
    name: "autoscaler on a missing target",
    expect: "target Deployment/pulso-gateways is not defined",
    make: objects => { find(objects, "HorizontalPodAutoscaler", "pulso-gateway").spec.scaleTargetRef.name = "pulso-gateways"; },
  },
  {
    name: "no memory limit",
    expect: "resources.limits.memory is missing",
    make: objects => { delete siloContainer(objects).resources.limits.memory; },
  },
  {
    name: "root container",
    expect: "runAsNonRoot must be true",
    make: objects => { delete find(objects, "Deployment", "pulso-gateway").spec.template.spec.securityContext.runAsNonRoot; },
  },
];

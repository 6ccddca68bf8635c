// Validates every file under the deploy/ folders given on the command line, offline:
//  - each Kubernetes object (*.yaml, every document) against the Kubernetes OpenAPI schema of its
//    kind with kubernetes-models (npm; installed by install_validator.sh), plus the DNS-1123 rules
//    the schema does not encode (object, container and label names);
//  - each NVIDIA k8s-device-plugin config inside the ConfigMap against the plugin's config API
//    (NVIDIA/k8s-device-plugin @ 1b826acc, api/config/v1: config.go Config{version, flags,
//    resources, sharing, imex}; sharing.go Sharing{timeSlicing, mps}; replicas.go
//    ReplicatedResources{renameByDefault, failRequestsGreaterThanOne, resources (non-empty)} and
//    ReplicatedResource{name, rename, devices, replicas >= 2}; `rename` and `devices` are ignored by
//    the plugin (DisableResourceNamingInConfig), so a plan must not rely on them);
//  - each IoT Edge deployment manifest (iot-edge-deployment.json) for the parts IoT Edge requires:
//    $edgeAgent properties.desired with schemaVersion, runtime, systemModules.edgeAgent/edgeHub and
//    modules (each with type, settings.image, a createOptions string holding JSON); $edgeHub with
//    schemaVersion, routes and storeAndForwardConfiguration.
// Prints one line per problem and "N passed, M failed"; exits 1 when anything fails.
"use strict";
const fs = require("fs");
const path = require("path");
const yaml = require("js-yaml");
const models = {
  "apps/v1/Deployment": require("kubernetes-models/apps/v1").Deployment,
  "v1/ConfigMap": require("kubernetes-models/v1").ConfigMap,
};

let passed = 0;
let failed = 0;
const problem = (file, what) => {
  failed++;
  console.log(`FAIL ${file}: ${what}`);
};

const label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1123Label = (s) => typeof s === "string" && s.length <= 63 && label.test(s);

function onlyKeys(file, where, obj, allowed) {
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
    problem(file, `${where}: expected a mapping`);
    return false;
  }
  for (const k of Object.keys(obj))
    if (!allowed.includes(k)) problem(file, `${where}.${k}: not a field of the plugin's config API`);
  return true;
}

function checkPluginConfig(file, name, text) {
  let c;
  try {
    c = yaml.load(text);
  } catch (e) {
    return problem(file, `config ${name}: not YAML: ${e.message}`);
  }
  const before = failed;
  if (!onlyKeys(file, name, c, ["version", "flags", "resources", "sharing", "imex"])) return;
  if (c.version !== "v1") problem(file, `${name}.version: expected v1, found ${c.version}`);
  if (c.resources !== undefined) problem(file, `${name}.resources: ignored by the plugin (DisableResourceNamingInConfig)`);
  if (c.sharing !== undefined && onlyKeys(file, `${name}.sharing`, c.sharing, ["timeSlicing", "mps"])) {
    const modes = Object.keys(c.sharing);
    if (modes.length > 1) problem(file, `${name}.sharing: time-slicing and MPS are mutually exclusive`);
    for (const mode of modes) {
      const rr = c.sharing[mode];
      const at = `${name}.sharing.${mode}`;
      if (!onlyKeys(file, at, rr, ["renameByDefault", "failRequestsGreaterThanOne", "resources"])) continue;
      if (!Array.isArray(rr.resources) || rr.resources.length === 0) {
        problem(file, `${at}.resources: "no resources specified"`);
        continue;
      }
      rr.resources.forEach((r, i) => {
        const ri = `${at}.resources[${i}]`;
        if (!onlyKeys(file, ri, r, ["name", "rename", "devices", "replicas"])) return;
        if (r.name !== "nvidia.com/gpu") problem(file, `${ri}.name: expected nvidia.com/gpu (full GPUs), found ${r.name}`);
        if (!Number.isInteger(r.replicas) || r.replicas < 2) problem(file, `${ri}.replicas: "number of replicas must be >= 2"`);
        if (r.rename !== undefined || r.devices !== undefined)
          problem(file, `${ri}: rename and devices are ignored by the plugin; the plan must not depend on them`);
      });
    }
  }
  if (failed === before) passed++;
}

function checkKubernetes(file, text) {
  let docs;
  try {
    docs = yaml.loadAll(text).filter((d) => d !== null && d !== undefined);
  } catch (e) {
    return problem(file, `not YAML: ${e.message}`);
  }
  if (docs.length === 0) return problem(file, "no Kubernetes object");
  for (const doc of docs) {
    const key = `${doc.apiVersion}/${doc.kind}`;
    const Model = models[key];
    if (!Model) {
      problem(file, `unexpected object ${key}`);
      continue;
    }
    const before = failed;
    try {
      new Model(doc).validate();
    } catch (e) {
      problem(file, `${key} fails the Kubernetes schema: ${e.message}`);
    }
    const name = doc.metadata && doc.metadata.name;
    if (!dns1123Label(name)) problem(file, `metadata.name '${name}' is not a DNS-1123 label`);
    if (doc.kind === "Deployment") {
      const spec = doc.spec.template.spec;
      for (const c of spec.containers) if (!dns1123Label(c.name)) problem(file, `container name '${c.name}' is not a DNS-1123 label`);
      const sel = doc.spec.selector.matchLabels || {};
      const lab = doc.spec.template.metadata.labels || {};
      for (const [k, v] of Object.entries(sel))
        if (lab[k] !== v) problem(file, `selector ${k}=${v} does not match the pod template's labels`);
      for (const v of Object.values(spec.nodeSelector || {})) if (!dns1123Label(v)) problem(file, `nodeSelector value '${v}'`);
    }
    if (doc.kind === "ConfigMap") for (const [n, body] of Object.entries(doc.data || {})) checkPluginConfig(file, n, body);
    if (failed === before) passed++;
  }
}

function checkIotEdge(file, text) {
  let m;
  try {
    m = JSON.parse(text);
  } catch (e) {
    return problem(file, `not JSON: ${e.message}`);
  }
  const before = failed;
  const mc = m.modulesContent || {};
  const agent = (mc.$edgeAgent || {})["properties.desired"];
  const hub = (mc.$edgeHub || {})["properties.desired"];
  if (!agent) return problem(file, "modulesContent.$edgeAgent.properties.desired missing");
  if (!hub) return problem(file, "modulesContent.$edgeHub.properties.desired missing");
  for (const k of ["schemaVersion", "runtime", "systemModules", "modules"]) if (!(k in agent)) problem(file, `$edgeAgent: ${k} missing`);
  for (const k of ["schemaVersion", "routes", "storeAndForwardConfiguration"]) if (!(k in hub)) problem(file, `$edgeHub: ${k} missing`);
  for (const s of ["edgeAgent", "edgeHub"]) if (!(agent.systemModules || {})[s]) problem(file, `systemModules.${s} missing`);
  const all = Object.assign({}, agent.systemModules, agent.modules);
  for (const [name, mod] of Object.entries(all)) {
    if (!/^[A-Za-z0-9_-]+$/.test(name)) problem(file, `module name '${name}'`);
    if (mod.type !== "docker") problem(file, `${name}.type: expected docker`);
    if (!mod.settings || typeof mod.settings.image !== "string") problem(file, `${name}.settings.image missing`);
    const co = mod.settings && mod.settings.createOptions;
    if (typeof co !== "string") problem(file, `${name}.settings.createOptions must be a string`);
    else if (co !== "") {
      try {
        JSON.parse(co);
      } catch (e) {
        problem(file, `${name}.settings.createOptions is not JSON: ${e.message}`);
      }
    }
    for (const [k, v] of Object.entries(mod.env || {}))
      if (typeof v.value !== "string" && typeof v.value !== "number") problem(file, `${name}.env.${k}.value`);
  }
  for (const name of Object.keys(agent.modules || {}))
    if (!(name in mc)) problem(file, `module ${name} has no desired properties entry`);
  if (failed === before) passed++;
}

function walk(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(p);
    else if (entry.name.endsWith(".yaml")) checkKubernetes(p, fs.readFileSync(p, "utf8"));
    else if (entry.name.endsWith(".json")) checkIotEdge(p, fs.readFileSync(p, "utf8"));
  }
}

const roots = process.argv.slice(2);
if (roots.length === 0) {
  console.log("usage: node validate_manifests.cjs DEPLOY_DIR...");
  process.exit(2);
}
for (const r of roots) walk(r);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);

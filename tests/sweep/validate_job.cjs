// Validates the Kubernetes Jobs that `sharesim plan --emit kubernetes` writes, offline: each
// document against the Kubernetes OpenAPI schema of batch/v1 Job (kubernetes-models, installed by
// tests/deploy/install_validator.sh), then what issue 18 asks of the sharded plan's Job:
// completionMode Indexed with completions = parallelism = N, each pod's shard from
// JOB_COMPLETION_INDEX, --jobs equal to its CPU request, a podFailurePolicy failing the Job on
// exit codes 1 and 2, and the image as given (pinned). Usage: node validate_job.cjs N JOBS IMAGE FILE...
// Prints one line per problem and "N passed, M failed"; exits 1 when anything fails.
"use strict";
const fs = require("fs");
const yaml = require("js-yaml");
const { Job } = require("kubernetes-models/batch/v1");

const [shards, jobs, image, ...files] = process.argv.slice(2);
let passed = 0;
let failed = 0;
const check = (ok, file, what) => {
  if (ok) return true;
  failed++;
  console.log(`FAIL ${file}: ${what}`);
  return false;
};

for (const file of files) {
  const before = failed;
  const docs = yaml.loadAll(fs.readFileSync(file, "utf8")).filter((d) => d);
  check(docs.length === 1, file, `expected one Job, found ${docs.length} documents`);
  for (const doc of docs) {
    try {
      new Job(doc).validate();
    } catch (e) {
      check(false, file, `batch/v1 Job fails the Kubernetes schema: ${e.message}`);
      continue;
    }
    const spec = doc.spec;
    const container = spec.template.spec.containers[0];
    check(container.image === image, file, `image ${container.image}, expected ${image}`);
    check(spec.template.spec.restartPolicy === "Never", file, "restartPolicy must be Never (podFailurePolicy needs it)");
    const line = container.args.join(" ");
    if (line.includes(" plan ")) {
      check(spec.completionMode === "Indexed", file, `completionMode ${spec.completionMode}`);
      check(String(spec.completions) === shards && String(spec.parallelism) === shards, file,
            `completions ${spec.completions} / parallelism ${spec.parallelism}, expected ${shards}`);
      check(line.includes(`--shard "\${JOB_COMPLETION_INDEX}/${shards}"`), file, `shard not from JOB_COMPLETION_INDEX: ${line}`);
      const m = line.match(/--jobs (\d+)/);
      check(m && m[1] === jobs, file, `--jobs ${m && m[1]}, expected ${jobs}`);
      check(String(container.resources.requests.cpu) === jobs, file,
            `cpu request ${container.resources.requests.cpu}, expected ${jobs} (= --jobs)`);
      const rules = (spec.podFailurePolicy && spec.podFailurePolicy.rules) || [];
      const fail = rules.find((r) => r.action === "FailJob" && r.onExitCodes);
      check(fail && fail.onExitCodes.operator === "In" &&
            JSON.stringify([...fail.onExitCodes.values].sort()) === "[1,2]", file,
            "podFailurePolicy must FailJob on exit codes In [1, 2]");
    } else {
      check(line.includes(" merge "), file, `neither plan nor merge: ${line}`);
    }
  }
  if (failed === before) passed++;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

// Admission as kube-apiserver does it for the ContinuousProfile CRD, with independent implementations:
// OpenAPI structural validation and defaulting (ajv) followed by the x-kubernetes-validations CEL rules
// (@marcbachmann/cel-js). Usage: node validate.mjs <crd.yaml> <objects.json>
// Prints one JSON line per object: {"name": ..., "errors": ["<field path>: <message>", ...]}.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const [crdPath, objectsPath, toolsDir] = process.argv.slice(2);
const require = createRequire(join(toolsDir, 'package.json'));
const YAML = require('yaml');
const Ajv = require('ajv');
const addFormats = require('ajv-formats');
const { evaluate } = await import(require.resolve('@marcbachmann/cel-js'));

const crd = YAML.parse(readFileSync(crdPath, 'utf8'));
const schema = crd.spec.versions[0].schema.openAPIV3Schema;

// Strip the Kubernetes extensions for ajv; keep them for the CEL pass.
function toJsonSchema(node) {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== 'object') return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    if (k.startsWith('x-kubernetes-')) continue;
    out[k] = k === 'default' || k === 'enum' ? v : toJsonSchema(v);
  }
  return out;
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
addFormats(ajv);
ajv.addFormat('int32', true);
ajv.addFormat('int64', true);
const validate = ajv.compile(toJsonSchema(schema));

function celErrors(node, value, path, errors) {
  if (value === undefined || value === null || !node) return;
  for (const rule of node['x-kubernetes-validations'] ?? []) {
    let ok;
    try { ok = evaluate(rule.rule, { self: value }); } catch (e) { ok = false; }
    if (ok !== true) errors.push(`${path}${rule.fieldPath ?? ''}: ${rule.message}`);
  }
  if (node.properties && typeof value === 'object') {
    for (const [k, child] of Object.entries(node.properties)) celErrors(child, value[k], `${path}.${k}`, errors);
  }
  if (node.items && Array.isArray(value)) value.forEach((item, i) => celErrors(node.items, item, `${path}[${i}]`, errors));
}

for (const obj of JSON.parse(readFileSync(objectsPath, 'utf8'))) {
  const errors = [];
  if (!validate(obj)) {
    for (const e of validate.errors) {
      const field = e.instancePath.replace(/\/(\d+)/g, '[$1]').replaceAll('/', '.') + (e.params?.missingProperty ? `.${e.params.missingProperty}` : '');
      errors.push(`${field}: ${e.message}`);
    }
  } else {
    celErrors(schema, obj, '', errors);
  }
  console.log(JSON.stringify({ name: obj.metadata?.name, errors, spec: obj.spec }));
}

// Validates rendered Kubernetes manifests against the upstream schemas (npm kubernetes-models):
// types, required fields and enums through its ajv validators, and unknown fields through TypeScript's
// excess-property check on the same package's generated interfaces.
// Run from a scratch directory whose node_modules links to tools/node_modules:
//   node <scratch>/validate-manifests.mjs <manifests.yaml>
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import * as k8s from 'kubernetes-models';

const scratch = path.dirname(fileURLToPath(import.meta.url));
const manifestPath = process.argv[2];

function modelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (group === '') return [k8s.v1?.[kind], `kubernetes-models/${version}/${kind}`];
  const key = group.replace(/\.([a-z])/g, (_, c) => c.toUpperCase()).replace(/\./g, '');
  return [k8s[key]?.[version]?.[kind], `kubernetes-models/${group}/${version}/${kind}`];
}

const docs = parseAllDocuments(fs.readFileSync(manifestPath, 'utf8')).map(d => d.toJS()).filter(Boolean);
let failed = 0;
let ts = '';
docs.forEach((doc, i) => {
  const [Model, modulePath] = modelFor(doc.apiVersion, doc.kind);
  const id = `${doc.apiVersion} ${doc.kind} ${doc.metadata?.name}`;
  if (!Model) { console.log(`UNKNOWN ${id}`); failed++; return; }
  try { new Model(doc).validate(); console.log(`OK      ${id}`); }
  catch (e) { failed++; console.log(`INVALID ${id}: ${e.message}`); }
  ts += `import type { I${doc.kind} as T${i} } from '${modulePath}';\nexport const doc${i}: T${i} = ${JSON.stringify(doc, null, 2)};\n`;
});

fs.writeFileSync(path.join(scratch, 'manifests.check.ts'), ts);
fs.writeFileSync(path.join(scratch, 'tsconfig.json'), JSON.stringify({
  compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', skipLibCheck: true,
    types: [] },
  files: ['manifests.check.ts'],
}));
try {
  execFileSync(process.execPath, [path.join(scratch, 'node_modules/typescript/bin/tsc'), '-p', scratch], { stdio: 'pipe' });
  console.log('UNKNOWN-FIELDS none');
} catch (e) {
  failed++;
  console.log(`UNKNOWN-FIELDS ${e.stdout?.toString() ?? e.message}`);
}
console.log(`${docs.length} documents, ${failed} problems`);
process.exit(failed ? 1 : 0);

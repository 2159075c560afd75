// Copies the static files of the UI next to the bundle esbuild wrote into ../wwwroot.
import fs from 'node:fs';
import path from 'node:path';
const out = path.resolve('..', 'wwwroot');
fs.mkdirSync(out, { recursive: true });
for (const f of ['index.html', 'app.css']) fs.copyFileSync(path.join('src', f), path.join(out, f));
fs.copyFileSync('node_modules/d3-flame-graph/dist/d3-flamegraph.css', path.join(out, 'd3-flamegraph.css'));

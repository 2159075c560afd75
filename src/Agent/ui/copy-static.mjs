// Copies the static files of the UI next to the bundle esbuild wrote into ../wwwroot
// (esbuild itself writes app.js and app.css, the latter holding d3-flame-graph's styles).
import fs from 'node:fs';
import path from 'node:path';
const out = path.resolve('..', 'wwwroot');
fs.mkdirSync(out, { recursive: true });
for (const f of ['index.html', 'flamewatch.css']) fs.copyFileSync(path.join('src', f), path.join(out, f));

// Bundles what `sluice broker` loads at start (packages/cli/dist/commands/broker-main.js, tsc's
// output, with the @sluice packages inlined) into packages/cli/dist/broker-bundle.js, and the log
// cleaner's worker thread entry into packages/cli/dist/cleaner-worker.js beside it. npm
// dependencies stay separate files, loaded from node_modules as before. Run by `npm run build`
// after `tsc -b`; packages/cli/src/commands/broker-loader.ts says why and when the bundle is used.
import { build } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cliDist = join(root, 'packages/cli/dist');
const entry = join(cliDist, 'commands/broker-main.js');
const outfile = join(cliDist, 'broker-bundle.js');

if (!existsSync(entry)) {
  console.error(`bundle-broker: ${entry} is missing; run tsc -b first (npm run build does)`);
  process.exit(1);
}

// A bare import in the bundle resolves from packages/cli/dist, not from the package that wrote
// it; that finds the same copy only while npm hoists the dependency to a shared node_modules.
// Check it for every dependency of every workspace package, so a layout where it would not
// fails the build instead of loading another copy (or none) at start.
function packageDir(fromDir, name) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return null;
  }
}
const { workspaces } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
for (const workspace of workspaces) {
  const dir = join(root, workspace);
  const name = workspace.split('/').pop();
  const { dependencies = {} } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  for (const dep of Object.keys(dependencies)) {
    if (dep.startsWith('@sluice/')) continue;
    const own = packageDir(dir, dep);
    const fromBundle = packageDir(cliDist, dep);
    if (own !== fromBundle) {
      console.error(`bundle-broker: ${dep} (a dependency of @sluice/${name}) resolves to ${own} from its package but ${fromBundle} from the bundle`);
      process.exit(1);
    }
  }
}

const inlineSluiceOnly = {
  name: 'inline-sluice-only',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@sluice/') ? undefined : { path: args.path, external: true }));
  },
};

const options = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  plugins: [inlineSluiceOnly],
  logLevel: 'warning',
  legalComments: 'none',
};
const result = await build({ ...options, entryPoints: [entry], outfile, metafile: true });
// The log cleaner's worker thread loads `cleaner-worker.js` next to the module that starts it
// (packages/storage/src/cleaner/cleaner-worker-engine.ts): in the bundle, next to the bundle.
const workerEntry = join(root, 'packages/storage/dist/cleaner/cleaner-worker.js');
const workerOutfile = join(cliDist, 'cleaner-worker.js');
await build({ ...options, entryPoints: [workerEntry], outfile: workerOutfile, metafile: false });
const inputs = Object.keys(result.metafile.inputs).length;
console.log(`bundle-broker: ${outfile.slice(root.length + 1)} from ${inputs} modules, and ${workerOutfile.slice(root.length + 1)}`);

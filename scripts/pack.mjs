// `npm run pack`: writes sluice-<version>.tgz at the repository root, one npm package that gives
// a working `sluice` command (broker and client commands) when installed with
// `npm install -g ./sluice-<version>.tgz`, outside any checkout.
//
// Why a generated package: the workspace packages (@sluice/protocol, storage, broker, client,
// cli) are not published, so the packages/cli tarball alone would ask the registry for
// @sluice/* and fail. Instead esbuild inlines every @sluice module into the command line's
// entry points, and the generated package.json lists only the npm packages the code imports
// (native addons like fast-crc32c, snappy and msgpackr-extract cannot be bundled; yargs, pino
// and etcd3 read files of their own at run time), pinned to the versions this checkout was
// tested with. npm installs those from the registry (or its cache) as for any package.
//
// Layout of the package (the same depth below the package root as packages/cli/dist, because
// the code finds files relative to its own module: package.json for --version, the bench's
// worker thread, its own bin for the bench's broker process):
//   package.json              name "sluice", bin sluice -> dist/bin/sluice.js
//   dist/bin/sluice.js        the command line, with @sluice/* inlined
//   dist/bench/reader-worker-thread.js   the consume benchmark's worker thread
//   dist/chunks/*.js          code shared by those two or loaded lazily (one chunk per command)
//   dist/chunks/cleaner-worker.js        the log cleaner's worker thread (beside the chunk that starts it)
//   README.md, LICENSE (when present)
// Runs `npm run build` first unless --no-build is given; `--out DIR` writes the tarball to DIR
// instead of the repository root (the install test packs into its temp dir).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cliDist = join(root, 'packages/cli/dist');
const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.status !== 0) {
    console.error(`pack: ${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
    process.exit(1);
  }
  return result;
}

const outIndex = process.argv.indexOf('--out');
const outDir = outIndex >= 0 ? process.argv[outIndex + 1] : root;
if (outDir === undefined || !existsSync(outDir)) {
  console.error(`pack: --out needs an existing directory, got ${outDir}`);
  process.exit(1);
}

if (!process.argv.includes('--no-build')) run('npm', ['run', 'build', '--silent']);

// The npm packages the bundle imports: every third-party dependency of a workspace package,
// at the version installed here (what the tests ran against).
const dependencies = {};
for (const workspace of rootPkg.workspaces) {
  const { dependencies: deps = {} } = JSON.parse(readFileSync(join(root, workspace, 'package.json'), 'utf8'));
  for (const name of Object.keys(deps)) {
    if (name.startsWith('@sluice/')) continue;
    const installed = join(root, 'node_modules', name, 'package.json');
    if (!existsSync(installed)) {
      console.error(`pack: ${name} (a dependency of ${workspace}) is not installed in node_modules; run npm ci first`);
      process.exit(1);
    }
    dependencies[name] = JSON.parse(readFileSync(installed, 'utf8')).version;
  }
}

const staging = mkdtempSync(join(tmpdir(), 'sluice-pack-'));
try {
  const external = new Set();
  const inlineSluiceOnly = {
    name: 'inline-sluice-only',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith('@sluice/')) return undefined;
        if (!args.path.startsWith('node:')) external.add(args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0]);
        return { path: args.path, external: true };
      });
    },
  };
  await build({
    entryPoints: {
      'bin/sluice': join(cliDist, 'bin/sluice.js'),
      'bench/reader-worker-thread': join(cliDist, 'bench/reader-worker-thread.js'),
      // The log cleaner starts its worker thread from `cleaner-worker.js` next to its own module,
      // which lands in a chunk: so the entry goes beside the chunks.
      'chunks/cleaner-worker': join(root, 'packages/storage/dist/cleaner/cleaner-worker.js'),
    },
    outdir: join(staging, 'dist'),
    // Each command's code in chunks loaded when it runs (cli.ts imports them lazily), so
    // `sluice broker` parses the broker, not the client commands and the bench. Chunks sit at
    // the same depth as bin/ (dist/chunks/), where the paths the code resolves from its own
    // module (../../package.json, ../bin/sluice.js, ../../dist/bench/...) still land right.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    plugins: [inlineSluiceOnly],
    logLevel: 'warning',
    legalComments: 'none',
  });
  // A bare import that no package.json lists would fail on the user's machine only.
  const unlisted = [...external].filter((name) => !(name in dependencies) && !builtinModules.includes(name));
  if (unlisted.length > 0) {
    console.error(`pack: the bundle imports ${unlisted.join(', ')}, which no workspace package.json lists as a dependency`);
    process.exit(1);
  }

  const pkg = {
    name: rootPkg.name,
    version: rootPkg.version,
    description: rootPkg.description,
    type: 'module',
    license: rootPkg.license,
    engines: rootPkg.engines,
    bin: { sluice: 'dist/bin/sluice.js' },
    files: ['dist'],
    dependencies: Object.fromEntries(Object.entries(dependencies).sort(([a], [b]) => a.localeCompare(b))),
  };
  writeFileSync(join(staging, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  copyFileSync(join(root, 'README.md'), join(staging, 'README.md'));
  if (existsSync(join(root, 'LICENSE'))) copyFileSync(join(root, 'LICENSE'), join(staging, 'LICENSE'));

  const packed = run('npm', ['pack', '--silent', '--pack-destination', staging], { cwd: staging, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  const tarball = packed.stdout.trim().split('\n').pop();
  const target = join(outDir, `${rootPkg.name}-${rootPkg.version}.tgz`);
  copyFileSync(join(staging, tarball), target);
  console.log(`pack: ${target} (install with: npm install -g ${target})`);
} finally {
  rmSync(staging, { recursive: true, force: true });
}

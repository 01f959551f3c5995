// Bundles the CLI into one CommonJS file: start-up is most of a command's cost, and one file
// with no module resolution loads faster than the tree of ES modules it is built from.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

// commander requires node:child_process (and so net, dgram…) at load time for executable
// subcommands, which vol does not use; this stand-in loads it only if something touches it.
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      args.importer.includes('node_modules/commander') ? { path: 'lazy-child-process', namespace: 'vol' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'vol' }, () => ({
      contents: "module.exports = new Proxy({}, { get: (_, key) => require('node:child_process')[key] });",
      loader: 'js',
    }));
  },
};

// The version and commit `vol version` prints, fixed at build time (no git and no package.json read at run time).
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const git = spawnSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' });
const commit = git.status === 0 ? git.stdout.trim() : 'unknown';
const buildInfo = JSON.stringify({ version: pkg.version, commit });

await build({
  entryPoints: ['src/cli/entry.ts'],
  outfile: 'dist/vol.cjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // pino loads worker files at run time and is required lazily; tar is loaded only by export/import:
  // left outside the bundle, neither costs other commands any start-up time.
  external: ['pino', 'tar'],
  plugins: [lazyChildProcess],
  // createRequire takes a path as well as a URL; __filename avoids building a URL at start-up.
  define: { 'import.meta.url': '__filename', VOL_BUILD: buildInfo },
  banner: {
    js: "const VOL_BUNDLED_ADDON = require('node:path').join(__dirname, '..', 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');",
  },
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});

// `vol csi serve` loads the CSI service definitions from beside the bundle at run time.
copyFileSync('proto/csi.proto', 'dist/csi.proto');

// Run `vol ls` once on a throw-away root to save V8's code cache for the bundle (bin/vol loads it).
// The old cache goes first: V8 checks only the source's length, so a cache of an earlier bundle of
// the same length (a new commit id is all that changed) would be accepted and run the wrong code.
rmSync('dist/vol.cjs.cache', { force: true });
const root = mkdtempSync(join(tmpdir(), 'vol-build-'));
try {
  const run = spawnSync(process.execPath, ['bin/vol', '--root', root, 'ls'], { env: { ...process.env, VOL_WRITE_CODE_CACHE: '1' }, stdio: 'inherit' });
  if (run.status !== 0) throw new Error(`saving the code cache failed: vol ls exited ${run.status}`);
} finally {
  rmSync(root, { recursive: true, force: true });
}

// vol(1), from the same command definitions as --help: a build step, so the CLI never carries it.
const manDir = mkdtempSync(join(tmpdir(), 'vol-man-'));
try {
  const manBundle = join(manDir, 'man.cjs');
  await build({
    entryPoints: ['src/cli/man-entry.ts'],
    outfile: manBundle,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['pino', 'tar', 'better-sqlite3'],
    define: { 'import.meta.url': '__filename', VOL_BUILD: buildInfo },
    logLevel: 'warning',
  });
  const man = spawnSync(process.execPath, [manBundle], { encoding: 'utf8', cwd: process.cwd(), env: { ...process.env, NODE_PATH: join(process.cwd(), 'node_modules') } });
  if (man.status !== 0) throw new Error(`making the man page failed: ${man.stderr}`);
  writeFileSync('dist/vol.1', man.stdout);
} finally {
  rmSync(manDir, { recursive: true, force: true });
}

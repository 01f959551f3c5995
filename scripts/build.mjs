// Bundles the CLI into one CommonJS file: start-up is most of a command's cost, and one file
// with no module resolution loads faster than the tree of ES modules it is built from.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

// Modules that cost every command start-up time when loaded with the bundle, and that most
// commands never use: node:child_process (it loads net, dgram…), node:http, node:fs/promises
// (readline…), node:assert (signal-exit checks its arguments with it), graceful-fs
// (proper-lockfile's default fs, which vol replaces with its own). Each is replaced by a stand-in
// that loads the real module the first time it is used.
const LAZY_FOR_PACKAGES = { child_process: 'node:child_process', assert: 'node:assert', 'graceful-fs': 'graceful-fs' };
const LAZY_FOR_SOURCES = ['child_process', 'http', 'fs/promises'];
const requireHere = createRequire(import.meta.url);
const lazyModules = {
  name: 'lazy-modules',
  setup(b) {
    b.onResolve({ filter: /^(node:)?(child_process|assert|graceful-fs|http|fs\/promises)$/ }, (args) => {
      // The stand-ins' own require of the real module resolves as usual.
      if (args.namespace !== 'file') return undefined;
      const bare = args.path.replace(/^node:/, '');
      if (args.importer.includes('node_modules') && Object.hasOwn(LAZY_FOR_PACKAGES, bare)) return { path: bare, namespace: 'lazy-cjs' };
      if (!args.importer.includes('node_modules') && LAZY_FOR_SOURCES.includes(bare) && args.path.startsWith('node:')) return { path: bare, namespace: 'lazy-esm' };
      return undefined;
    });
    // A package requires it and reads properties off it: a proxy that loads the module on the first read.
    b.onLoad({ filter: /.*/, namespace: 'lazy-cjs' }, (args) => ({
      contents: `module.exports = new Proxy({}, { get: (_, key) => require(${JSON.stringify(LAZY_FOR_PACKAGES[args.path])})[key] });`,
      loader: 'js',
      resolveDir: process.cwd(),
    }));
    // vol's sources import named functions: each becomes a function that calls the real one. A
    // class or a value cannot be forwarded this way, so importing one fails the build.
    b.onLoad({ filter: /.*/, namespace: 'lazy-esm' }, (args) => {
      const real = requireHere(`node:${args.path}`);
      const names = Object.keys(real).filter((k) => typeof real[k] === 'function' && /^[a-z]/.test(k));
      const lines = [`const load = () => require(${JSON.stringify(`node:${args.path}`)});`];
      for (const k of names) lines.push(`export function ${k}(...args) { return load().${k}(...args); }`);
      return { contents: lines.join('\n'), loader: 'js' };
    });
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
  plugins: [lazyModules],
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

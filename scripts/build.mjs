// Bundles the CLI into one CommonJS file: start-up is most of a command's cost, and one file
// with no module resolution loads faster than the tree of ES modules it is built from.
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
  define: { 'import.meta.url': '__filename' },
  banner: {
    js: "const VOL_BUNDLED_ADDON = require('node:path').join(__dirname, '..', 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');",
  },
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});

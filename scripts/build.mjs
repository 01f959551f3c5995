// Bundles the CLI into one CommonJS file: start-up is most of a command's cost, and one file
// with no module resolution loads faster than the tree of ES modules it is built from.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli/entry.ts'],
  outfile: 'dist/vol.cjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // pino loads worker files at run time; it is required lazily, only when a log line is written.
  external: ['pino'],
  define: { 'import.meta.url': 'importMetaUrl' },
  banner: { js: "const importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});

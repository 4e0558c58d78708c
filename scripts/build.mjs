// Bundles the CLI with esbuild: one lean entry plus lazily loaded chunks per command,
// so `pub` does not pay for bench, TLS or broker code at start-up.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { cli: 'src/cli.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  // Bundled CommonJS dependencies call require() for node builtins; give them one.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  external: ['aedes', 'hdr-histogram-js', 'cli-table3'],
  define: { __MQTT_TOOL_VERSION__: JSON.stringify(pkg.version) },
  logLevel: 'warning',
});

// Bundles the CLI with esbuild. A one-shot `pub` is mostly Node start-up, so:
// - CommonJS files: Node 20's CommonJS loader starts faster than its ES module loader;
// - dist/cli.cjs holds only the command declarations; each command is its own bundle
//   (dist/cmd-NAME.cjs), as are the WebSocket transport, the config-file parser, the payload codecs and the
//   password prompt, required only when used (src/lazy.ts): `pub -m` parses 220 KB, not 460;
// - the embedded broker (aedes is ES-module only) is a separate ES module entry,
//   loaded by a real dynamic import only when --embedded / broker / bench need it;
// - shims replace dependencies that cost start-up time for nothing on Node.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
// Commander requires node:child_process at load time for executable subcommands,
// which mqtt-tool never uses: give commander (only) a lazy stand-in.
const lazyChildProcessForCommander = {
  name: 'lazy-child-process-for-commander',
  setup(b) {
    b.onResolve({ filter: /^node:child_process$/ }, (args) =>
      /[\\/]commander[\\/]/.test(args.importer) ? { path: new URL('../src/shims/child-process.cjs', import.meta.url).pathname } : undefined,
    );
  },
};
const common = {
  plugins: [lazyChildProcessForCommander],
  bundle: true,
  platform: 'node',
  target: 'node20',
  // Source maps are opt-in (MQTT_TOOL_SOURCEMAPS=1 npm run build): they are 4 MB, two thirds of the package.
  sourcemap: process.env.MQTT_TOOL_SOURCEMAPS === '1' ? 'linked' : false,
  minify: true,
  define: { __MQTT_TOOL_VERSION__: JSON.stringify(pkg.version) },
  alias: {
    debug: './src/shims/debug.cjs',
    'worker-timers': './src/shims/worker-timers.cjs',
    'readable-stream': './src/shims/readable-stream.cjs',
  },
  external: ['aedes', 'hdr-histogram-js', 'cli-table3'],
  logLevel: 'warning',
};
await build({
  ...common,
  entryPoints: {
    cli: 'src/cli.ts',
    'code-cache': 'src/code-cache.ts',
    'esm-import': 'src/esm-import.ts',
    'bench-worker': 'src/bench/worker.ts',
    'transport-ws': 'src/connection/transport/ws-library.ts',
    'transport-socks': 'src/connection/transport/socks.ts',
    config: 'src/config/load.ts',
    prompt: 'src/io/prompt.ts',
    // Payload codecs, each required only when --decode / --encode names it.
    'codec-cbor': 'src/codecs/cbor.ts',
    'codec-msgpack': 'src/codecs/msgpack.ts',
    'codec-avro': 'src/codecs/avro.ts',
    'codec-protobuf': 'src/codecs/protobuf.ts',
    'codec-sparkplug': 'src/codecs/sparkplug.ts',
    // bench --metrics-port: prom-client and the HTTP server, only when asked for.
    'bench-metrics': 'src/bench/metrics.ts',
    // Display widths for wrapping an error on a terminal: never loaded on the pipe path.
    width: 'src/io/width.ts',
    ...Object.fromEntries(
      ['pub', 'sub', 'rr', 'explore', 'bench', 'bench-reports', 'diagnose', 'tls-check', 'broker', 'profile', 'completion'].map((c) => [`cmd-${c}`, `src/commands/${c}.ts`]),
    ),
  },
  outdir: 'dist',
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
});
await build({
  ...common,
  entryPoints: { broker: 'src/broker/embedded.ts', 'broker-child': 'src/broker/child.ts' },
  outdir: 'dist',
  format: 'esm',
  outExtension: { '.js': '.mjs' },
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});

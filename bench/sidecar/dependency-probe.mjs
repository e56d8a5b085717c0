// Run by bench/sidecar/run.ts on each runtime (node, bun): loads what a sidecar
// could load, one step at a time, and prints the resident memory after each
// (after a collection) as JSON lines {step, rssMiB}. Plain JavaScript: every
// runtime runs it as is, and Node's type stripping (~17 MiB) does not load.
const M = new URL('../../node_modules/', import.meta.url).href;
const rss = () => process.memoryUsage().rss / 1048576;
const g = globalThis;
const collect = () => {
  g.gc?.();
  g.Bun?.gc(true);
};
const steps = [
  ['runtime, nothing loaded', () => Promise.resolve()],
  [
    'node:https, node:tls, node:crypto',
    async () => {
      await import('node:https');
      await import('node:tls');
      await import('node:crypto');
    },
  ],
  [
    'pino (logger, used)',
    async () => {
      const p = (await import(M + 'pino/pino.js')).default;
      p({}, p.destination({ dest: 1, sync: false }));
    },
  ],
  [
    'http-proxy-3 (no longer loaded)',
    async () => {
      const h = await import(M + 'http-proxy-3/dist/lib/index.js');
      h.createProxyServer({ target: 'http://127.0.0.1:1' });
    },
  ],
  [
    'prom-client + default metrics (no longer loaded)',
    async () => {
      const pc = await import(M + 'prom-client/index.js');
      pc.collectDefaultMetrics({ register: new pc.Registry() });
    },
  ],
  [
    'jsonwebtoken (no longer loaded)',
    async () => {
      await import(M + 'jsonwebtoken/index.js');
    },
  ],
];
for (const [step, run] of steps) {
  await run();
  await new Promise((r) => setTimeout(r, 200));
  collect();
  process.stdout.write(JSON.stringify({ step, rssMiB: rss() }) + '\n');
}

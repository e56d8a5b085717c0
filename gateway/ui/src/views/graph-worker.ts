// Lays out DOT with Graphviz (@viz-js/viz, WebAssembly) off the main thread.
// The page terminates the worker to cancel a layout that takes too long.
import { instance } from '@viz-js/viz';

self.addEventListener('message', (e: MessageEvent<{ dot: string }>) => {
  instance().then(
    (viz) => {
      const r = viz.render(e.data.dot, { format: 'svg', engine: 'dot' });
      if (r.status === 'success') self.postMessage({ svg: r.output });
      else self.postMessage({ error: r.errors.map((x) => x.message).join('; ') || 'graphviz failed' });
    },
    (err: Error) => self.postMessage({ error: `graphviz did not load: ${err.message}` }),
  );
});

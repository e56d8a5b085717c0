// `npm run helm:build`: builds the real Helm the chart tests run into the
// cache (test/kit/helm/helm.ts), or reuses it.
import { buildHelm } from '../test/kit/helm/helm.ts';

const started = Date.now();
console.log(`helm: ${await buildHelm()} (${Math.round((Date.now() - started) / 1000)}s)`);

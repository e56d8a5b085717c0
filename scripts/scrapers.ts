// `npm run scrapers:build`: builds the real scrapers the tests run (Parca,
// Alloy) into the cache ahead of `npm test`, one after the other (each
// compiles for minutes on two cores).
import { buildAlloy } from '../test/kit/scrapers/alloy.ts';
import { buildParca } from '../test/kit/scrapers/parca.ts';

for (const [name, build] of [
  ['parca', buildParca],
  ['alloy', buildAlloy],
] as const) {
  const started = Date.now();
  console.log(`${name}: ${await build()} (${Math.round((Date.now() - started) / 1000)}s)`);
}

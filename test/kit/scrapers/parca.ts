// A real Parca server (github.com/parca-dev/parca v0.28.0, Apache-2.0) for the
// scraper tests, built from Go source into the cache once, with an empty
// embedded UI (the module does not ship the built UI; the tests use its API).
// `npm run scrapers:build` (run by .ci/run) builds it ahead of the tests.
import { buildModule } from './go-module.ts';

export const PARCA_VERSION = 'v0.28.0';

export function buildParca(): Promise<string> {
  return buildModule({
    name: 'parca',
    module: 'github.com/parca-dev/parca',
    version: PARCA_VERSION,
    pkg: './cmd/parca',
    files: { 'ui/packages/app/web/build/index.html': '<!doctype html><title>parca</title>\n' },
  });
}

// The web UI: the Vite build in gateway/ui/dist served at /, with a strict
// Content-Security-Policy (scripts and styles from this origin only, no
// inline code, no framing), nosniff, long caching for hashed assets and a
// single-page-app fallback to index.html for other non-API GETs. The Graphviz
// worker alone may compile WebAssembly ('wasm-unsafe-eval' in its own policy;
// a dedicated worker runs under the policy its script is served with).
import express, { type Express, type Response } from 'express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const UI_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
export const WORKER_CSP = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'";

const NOT_UI = /^\/(api|sd|auth|\.well-known|healthz|readyz|metrics)(\/|$)/;

/** gateway/ui/dist, from the sources (gateway/routes) or from the bundle (dist/). */
export function uiDir(): string | undefined {
  const candidates = [new URL('../ui/dist/', import.meta.url), new URL('../gateway/ui/dist/', import.meta.url)].map((u) =>
    fileURLToPath(u),
  );
  return candidates.find((d) => existsSync(join(d, 'index.html')));
}

function secure(res: Response, path: string): void {
  const worker = /\/assets\/[^/]*worker[^/]*\.js$/.test(path);
  res.setHeader('content-security-policy', worker ? WORKER_CSP : UI_CSP);
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('cross-origin-opener-policy', 'same-origin');
  res.setHeader(
    'cache-control',
    /\/assets\/[^/]+-[A-Za-z0-9_-]{8}\.(js|css)$/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache',
  );
}

export function mountUi(app: Express, dir = uiDir()): void {
  if (!dir) {
    app.get('/', (_req, res) => {
      res
        .status(503)
        .type('text/plain')
        .send('The podprof web UI is not built: run `npm run build` (or `npm run build:ui`). The API is at /api/v1/.\n');
    });
    return;
  }
  app.use(
    express.static(dir, {
      index: false,
      redirect: false,
      dotfiles: 'ignore',
      etag: true,
      lastModified: true,
      setHeaders: (res, path) => secure(res, path),
    }),
  );
  const index = join(dir, 'index.html');
  app.get(/.*/, (req, res, next) => {
    if (NOT_UI.test(req.path) || !(req.headers.accept ?? 'text/html').includes('text/html')) return next();
    secure(res, index);
    res.sendFile(index);
  });
}

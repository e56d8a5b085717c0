// Puts a profile into a harness gateway's capture store as a finished
// capture (then restarts the gateway so it lists it), for the UI tests that
// need a profile no Go pod makes: hostile names, or one of a chosen size.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureUiBuilt, launch, login, type Session } from './browser.ts';
import { startHarness, type Harness } from '../product/gateway.ts';

let made = 0;

/** Stores `bytes` as `file` of a finished capture with `meta` (what differs between kinds); restarts the gateway; its id. */
async function seed(h: Harness, bytes: Uint8Array, file: string, meta: Record<string, unknown>): Promise<string> {
  const id = `${Date.now().toString(36)}-${(made++).toString(16).padStart(10, '0')}`;
  const dir = join(h.storeDir, id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, file), bytes);
  const now = new Date().toISOString();
  const full = {
    id,
    user: 'alice@example.com',
    groups: ['devs'],
    createdAt: now,
    finishedAt: now,
    namespace: 'team-a',
    ...meta,
    status: 'done',
    pods: [{ pod: 'web-0', uid: 'u', status: 'ok' }],
    file,
    bytes: bytes.length,
  };
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(full));
  await h.restartGateway();
  return id;
}

/** Stores `bytes` (a .pb.gz) as a finished workload CPU capture; returns its id. */
export function seedCapture(h: Harness, bytes: Uint8Array): Promise<string> {
  return seed(h, bytes, 'profile.pb.gz', { target: { workload: { kind: 'Deployment', name: 'web' } }, type: 'profile', seconds: 30 });
}

export interface SeededUi {
  readonly h: Harness;
  readonly s: Session;
  readonly id: string;
}

/** A one-pod harness with `bytes` stored as a finished capture, and a browser logged in to it. Call from a before() hook. */
export async function openSeeded(bytes: Uint8Array, browser: Parameters<typeof launch>[0] = {}): Promise<SeededUi> {
  ensureUiBuilt();
  const h = await startHarness({ pods: 1 });
  const id = await seedCapture(h, bytes);
  const s = await launch(browser);
  await login(s.page, h.url, h.token);
  return { h, s, id };
}

/**
 * Stores `bytes` as a finished one-pod trace capture (trace.out) as the gateway stored traces before it derived
 * anything from them (no goroutines.json, no blocking profiles); returns its id. Restarts the gateway.
 */
export function seedTraceCapture(h: Harness, bytes: Uint8Array): Promise<string> {
  return seed(h, bytes, 'trace.out', { target: { pod: 'web-0' }, type: 'trace', seconds: 1 });
}

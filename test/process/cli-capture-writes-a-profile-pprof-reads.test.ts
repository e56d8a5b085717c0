// `podprof capture` and `podprof link` as a user runs them: child processes of
// the built CLI against a gateway with Go fixture pods behind sidecars. The
// written files are read by `go tool pprof`; exit 0 all pods, 3 partial (naming
// the pod and why), 1 none; the link is redeemed by `go tool pprof` itself.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:https';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { test } from 'node:test';
import { goPprof, useHarness } from '../kit/product/gateway.ts';
import { NODE, REPO } from '../kit/product/sidecar.ts';
import { testSidecarCa } from '../kit/product/sidecar-ca.ts';

const harness = useHarness({ pods: 3 });

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI as a child process (asynchronously: the gateway runs in this process). */
function podprof(args: readonly string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const h = harness();
  return new Promise((resolve) => {
    execFile(
      NODE,
      [join(REPO, 'bin/podprof.mjs'), ...args],
      { env: { ...process.env, PODPROF_TOKEN: h.token, PODPROF_GATEWAY: h.url, ...env } },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/** Holds a Go fixture's CPU profiler with a request straight to the app. */
function holdProfiler(appUrl: string, seconds: number): Promise<void> {
  return new Promise((resolve, reject) => {
    request(`${appUrl}/debug/pprof/profile?seconds=${seconds}`, (res) => res.resume().on('end', () => resolve()))
      .on('error', reject)
      .end();
  });
}

async function gatewayCaFile(): Promise<string> {
  const h = harness();
  const raw = await new Promise<Buffer>((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: h.gateway.ports.main, rejectUnauthorized: false }, () => {
      resolve(s.getPeerCertificate().raw);
      s.end();
    }).on('error', reject);
  });
  const file = join(h.dir, 'gateway-ca.pem');
  writeFileSync(file, `-----BEGIN CERTIFICATE-----\n${raw.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`);
  return file;
}

test('podprof capture NS/POD writes a heap profile go tool pprof reads (gateway certificate checked with --ca-file)', async () => {
  const out = join(harness().dir, 'web-0.heap.pb.gz');
  const r = await podprof(['capture', 'team-a/web-0', '--type', 'heap', '-o', out, '--ca-file', await gatewayCaFile()]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^capturing heap from team-a\/web-0 \(capture [a-z0-9-]+\)…$/m);
  assert.match(r.stderr, /wrote .*web-0\.heap\.pb\.gz \(\d+ bytes\): heap from team-a\/web-0/);
  assert.match(await goPprof(['-top', out]), /Type: inuse_space[\s\S]*Showing nodes accounting for/);
});

test('podprof capture -n NS deployment/NAME merges every pod; the profile carries their pod labels', async () => {
  const out = join(harness().dir, 'web.cpu.pb.gz');
  const r = await podprof([
    'capture',
    '-n',
    'team-a',
    'deployment/web',
    '--type',
    'profile',
    '--seconds',
    '1',
    '-o',
    out,
    '--insecure-skip-tls-verify',
    '--send-token-unverified',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /capturing profile for 1s from 3 pods in team-a/);
  assert.match(r.stderr, /profile merged from 3 of 3 pods \(label pod=<name>\)/);
  assert.match(await goPprof(['-top', out]), /Type: cpu/);
  const tags = await goPprof(['-tags', out]);
  for (const pod of ['web-0', 'web-1', 'web-2']) assert.match(tags, new RegExp(`: ${pod}$`, 'm'));
});

test('a partial capture exits 3, names the pod that failed and why, and still writes the merged profile', async () => {
  const h = harness();
  const held = holdProfiler(h.pods[1]!.app.url, 5);
  await new Promise((r) => setTimeout(r, 300));
  const out = join(h.dir, 'partial.pb.gz');
  const r = await podprof([
    'capture',
    '-n',
    'team-a',
    '-l',
    'app=web',
    '--type',
    'profile',
    '--seconds',
    '1',
    '-o',
    out,
    '--insecure-skip-tls-verify',
    '--send-token-unverified',
  ]);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /^podprof capture: team-a\/web-1 failed: 500: Could not enable CPU profiling: cpu profiling already in use$/m);
  assert.match(r.stderr, /merged from 2 of 3 pods .* — PARTIAL/);
  assert.doesNotMatch(await goPprof(['-tags', out]), /: web-1$/m);
  await held;
});

test('a capture where no pod answers exits 1 and says why; usage mistakes exit 2', async () => {
  const h = harness();
  const held = holdProfiler(h.pods[0]!.app.url, 5);
  await new Promise((r) => setTimeout(r, 300));
  const r = await podprof([
    'capture',
    'team-a/web-0',
    '--seconds',
    '1',
    '-o',
    join(h.dir, 'none.pb.gz'),
    '--insecure-skip-tls-verify',
    '--send-token-unverified',
  ]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /podprof capture: capture [a-z0-9-]+ failed: web-0: 500: Could not enable CPU profiling/);
  await held;
  const usage = await podprof(['capture', '-n', 'team-a', '-o', 'x.pb.gz']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /give NAMESPACE\/POD, or -n NAMESPACE with -l SELECTOR or deployment\/NAME/);
  const noToken = await podprof(['capture', 'team-a/web-0', '-o', 'x.pb.gz', '--insecure-skip-tls-verify', '--send-token-unverified'], {
    PODPROF_TOKEN: undefined,
    HOME: h.dir,
    KUBECONFIG: join(h.dir, 'no-such-kubeconfig'),
  });
  assert.equal(noToken.code, 1);
  assert.match(noToken.stderr, /no token for the gateway: pass --token or set PODPROF_TOKEN/);
  const untrusted = await podprof(['capture', 'team-a/web-0', '--type', 'heap', '-o', 'x.pb.gz']);
  assert.equal(untrusted.code, 1);
  assert.match(untrusted.stderr, /certificate is not trusted: pass --ca-file/);
});

test('podprof link prints a one-time URL and the go tool pprof command, which works once', async () => {
  const r = await podprof(['link', 'team-a/web-2', '--type', 'heap', '--insecure-skip-tls-verify', '--send-token-unverified']);
  assert.equal(r.code, 0, r.stderr);
  const [url, command] = r.stdout.trim().split('\n');
  assert.match(url ?? '', /^https:\/\/pprof:[^@]+@127\.0\.0\.1:\d+\/api\/v1\/namespaces\/team-a\/pods\/web-2\/debug\/pprof\/heap$/);
  assert.equal(command, `go tool pprof -http=: '${url!.replace('https:', 'https+insecure:')}'`);
  assert.match(r.stderr, /one-time link for team-a\/web-2 heap: works once, until /);
  const insecureUrl = url!.replace('https:', 'https+insecure:');
  assert.match(await goPprof(['-top', insecureUrl]), /Type: inuse_space/);
  await assert.rejects(goPprof(['-top', insecureUrl]), /PODPROF_LINK_INVALID/);
});

/** A TLS listener standing in for a gateway: it records every request's Authorization and answers 404. */
async function recordingListener(): Promise<{ url: string; seen: string[]; close: () => void }> {
  const tls = testSidecarCa().issueFor('127.0.0.1');
  const seen: string[] = [];
  const server = createServer({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }, (req, res) => {
    seen.push(String(req.headers.authorization ?? '(none)'));
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `https://127.0.0.1:${(server.address() as { port: number }).port}`, seen, close: () => server.close() };
}

test("the CLI never sends the kubeconfig's API-server credential, and no token at all to an unverified gateway", async () => {
  const h = harness();
  const listener = await recordingListener();
  try {
    // A kubeconfig whose user has a bearer token for the API server (unreachable here): the CLI may
    // ask that API server for a podprof token, but must never hand the credential to the gateway.
    const kubeconfig = join(h.dir, 'kubeconfig-with-token');
    writeFileSync(
      kubeconfig,
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: kubeconfig-api-server-secret}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n',
    );
    const viaKubeconfig = await podprof(
      ['link', 'team-a/web-0', '--type', 'heap', '--gateway', listener.url, '--ca-file', testSidecarCa().caFile],
      { PODPROF_TOKEN: undefined, PODPROF_GATEWAY: undefined, KUBECONFIG: kubeconfig },
    );
    assert.equal(viaKubeconfig.code, 1, viaKubeconfig.stderr);
    assert.match(viaKubeconfig.stderr, /no token for the gateway: .*kubectl create token NAME --audience podprof/);
    // --insecure-skip-tls-verify alone: no request carries the token (here: none is even made).
    const unverified = await podprof(['link', 'team-a/web-0', '--type', 'heap', '--gateway', listener.url, '--insecure-skip-tls-verify'], {
      PODPROF_GATEWAY: undefined,
    });
    assert.equal(unverified.code, 1);
    assert.match(unverified.stderr, /no token is sent to it; pass --ca-file .* or add --send-token-unverified/);
    assert.deepEqual(listener.seen, [], `the listener standing in for the gateway received: ${JSON.stringify(listener.seen)}`);
    // Both flags: the user chose to send it, and it is the podprof token, never the kubeconfig's.
    await podprof(
      ['link', 'team-a/web-0', '--type', 'heap', '--gateway', listener.url, '--insecure-skip-tls-verify', '--send-token-unverified'],
      { PODPROF_GATEWAY: undefined, KUBECONFIG: kubeconfig },
    );
    assert.deepEqual(listener.seen, [`Bearer ${h.token}`]);
  } finally {
    listener.close();
  }
});

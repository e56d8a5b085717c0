// Wires `podprof gateway`: keys, discovery, authentication and authorization
// modes, the HTTPS API, health and metrics.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:https';
import { answerClientErrors } from '../src/http/client-error.ts';
import { closeServer, listen } from '../src/http/listen.ts';
import type { Logger } from '../src/log.ts';
import { loadTls, watchTls } from '../src/tls/serving.ts';
import { createApp } from './app.ts';
import { allowAll, kubernetesAuthz, type Authorizer } from './auth/authz.ts';
import { kubernetesAuth, proxyAuth, staticAuth } from './auth/authn.ts';
import { Sessions } from './auth/session.ts';
import type { Authenticator } from './auth/user.ts';
import { Captures } from './captures/captures.ts';
import type { GatewayConfig } from './config.ts';
import type { GatewayContext } from './context.ts';
import { TargetRegistry } from './discovery/registry.ts';
import { startStaticDiscovery } from './discovery/static.ts';
import { Keyring } from './keyring.ts';
import { LinkStore } from './links.ts';
import { createGatewayMetrics } from './metrics.ts';
import { SidecarClient } from './sidecar-client.ts';

export interface RunningGateway {
  readonly port: number;
  readonly healthPort: number;
  readonly context: GatewayContext;
  close(): Promise<void>;
}

type KubeConfig = import('@kubernetes/client-node').KubeConfig;

async function kubeConfig(): Promise<KubeConfig> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  kc.loadFromDefault();
  return kc;
}

function authenticator(c: GatewayConfig, kc: KubeConfig | undefined): Authenticator {
  if (c.auth === 'static') return staticAuth(c['tokens-file']!);
  if (c.auth === 'proxy') return proxyAuth(c['trusted-proxy-cidrs']);
  return kubernetesAuth(kc!, c['token-audience']);
}

async function discovery(c: GatewayConfig, kc: KubeConfig | undefined, ctx: GatewayContext): Promise<() => void> {
  if (c.discovery === 'static') return startStaticDiscovery(c['targets-file']!, ctx.registry, ctx.log);
  const { startKubernetesDiscovery } = await import('./discovery/kubernetes.ts');
  return startKubernetesDiscovery({ kc: kc!, namespaces: c.namespaces, registry: ctx.registry, log: ctx.log, onMissed: (n) => ctx.metrics.missed.set(n) });
}

export async function startGateway(c: GatewayConfig, log: Logger): Promise<RunningGateway> {
  const needsApi = c.auth === 'kubernetes' || c.authz === 'kubernetes' || c.discovery === 'kubernetes';
  const kc = needsApi ? await kubeConfig() : undefined;
  const keyring = Keyring.fromFiles(c['signing-key-file'], c.kid);
  const metrics = createGatewayMetrics();
  const authorize: Authorizer = c.authz === 'allow-all' ? allowAll : kubernetesAuthz(kc!);
  const captures = await Captures.open({ dir: c['store-dir'], maxBytes: c['store-max-bytes'], maxAgeMs: c['store-max-age'], concurrency: c['fanout-concurrency'], log: log.child({ component: 'captures' }) });
  const ctx: GatewayContext = {
    registry: new TargetRegistry(),
    keyring,
    sidecars: new SidecarClient(keyring, c['sidecar-ca-file']),
    authenticate: authenticator(c, kc),
    authorize,
    sessions: new Sessions(c['session-key-file'] === undefined ? undefined : readFileSync(c['session-key-file'])),
    links: new LinkStore(),
    captures,
    metrics,
    log,
    publicUrl: c['public-url'],
  };
  const stopDiscovery = await discovery(c, kc, ctx);
  const tlsSource = { certFile: c['tls-cert-file'], keyFile: c['tls-key-file'], hostnames: ['localhost'], ips: ['127.0.0.1'] };
  const server = createServer({ ...loadTls(tlsSource), minVersion: 'TLSv1.2', connectionsCheckingInterval: 2000 }, createApp(ctx));
  server.headersTimeout = 15_000;
  server.keepAliveTimeout = 120_000;
  answerClientErrors(server);
  server.requestTimeout = 60_000;
  const stopTls = watchTls(tlsSource, (o) => server.setSecureContext(o), log);
  const health = createHttpServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    metrics.targets.set(ctx.registry.size);
    if (path === '/healthz') res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    else if (path === '/readyz') res.writeHead(ctx.registry.synced ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ ready: ctx.registry.synced, targets: ctx.registry.size }));
    else if (path === '/metrics') void metrics.registry.metrics().then((t) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(t));
    else res.writeHead(404).end();
  });
  const port = await listen(server, c.listen);
  const healthPort = await listen(health, c['health-listen']);
  log.info({ port, healthPort, auth: c.auth, authz: c.authz, discovery: c.discovery, kids: keyring.jwks().keys.map((k) => k.kid) }, 'gateway ready');
  return {
    port,
    healthPort,
    context: ctx,
    async close(): Promise<void> {
      await ctx.captures.close();
      stopDiscovery();
      stopTls();
      const closing = closeServer(server);
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), 10_000).unref();
      await closing;
      ctx.sidecars.close();
      health.closeAllConnections();
      await closeServer(health);
    },
  };
}

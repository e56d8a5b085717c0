// The podprof CLI. Each subcommand is loaded on demand, so `podprof sidecar`
// never loads what only the gateway needs.
import { ApiError } from '../src/api/error.ts';
import { ConfigError } from '../src/config/flags.ts';

type Command = (argv: readonly string[]) => Promise<number>;

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  sidecar: {
    summary: "serve one pod's loopback pprof to gateway-signed tokens",
    load: async () => (await import('./sidecar.ts')).runSidecar,
  },
  demo: { summary: 'run a gateway, sidecars and demo apps on this machine', load: async () => (await import('./demo.ts')).runDemo },
  gateway: {
    summary: 'the gateway: RBAC, per-pod routing, links for go tool pprof, http_sd',
    load: async () => (await import('./gateway.ts')).runGateway,
  },
  webhook: { summary: 'the admission webhook that injects the sidecar', load: async () => (await import('./webhook.ts')).runWebhook },
  explain: {
    summary: 'explain FILE.yaml | NAMESPACE/POD: would podprof inject this pod, and why',
    load: async () => (await import('./explain.ts')).runExplain,
  },
  login: {
    summary: "login --gateway URL: sign in with the gateway's identity provider (OIDC); later commands send the ID token",
    load: async () => (await import('./login.ts')).runLogin,
  },
  capture: {
    summary: 'capture NS/POD | -n NS -l SELECTOR | -n NS deployment/NAME: a profile through the gateway, merged over pods',
    load: async () => (await import('./capture.ts')).runCapture,
  },
  link: { summary: 'link NS/POD | --capture ID: a one-time URL for go tool pprof', load: async () => (await import('./link.ts')).runLink },
  trace: {
    summary: 'trace pprof|goroutines TRACE: blocking profiles and goroutine groups of an execution trace, as go tool trace gives them',
    load: async () => (await import('./trace.ts')).runTrace,
  },
  keys: {
    summary: 'keys generate: an ES256 signing key and its JWKS; keys sidecar-cert: a sidecar certificate from the gateway CA',
    load: async () => (await import('./keys.ts')).runKeys,
  },
  token: { summary: 'token mint: a sidecar token for one pod and profile type', load: async () => (await import('./token.ts')).runToken },
};

function usage(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `Usage: podprof <command> [flags]\n\nCommands:\n${rows.join('\n')}\n\nRun 'podprof <command> --help' for its flags. Every flag also reads PODPROF_<FLAG_NAME>.\n`;
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`podprof: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    return await (
      await command.load()
    )(rest);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`podprof ${name}: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`podprof ${name}: ${err instanceof ApiError ? err.describe() : (err as Error).message}\n`);
    return 1;
  }
}

// `podprof explain x.yaml | head` closes stdout early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});
process.exitCode = await main(process.argv.slice(2));

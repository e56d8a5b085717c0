// `podprof link NS/POD --type TYPE [--seconds N]`: a one-time URL for
// `go tool pprof` (which cannot send a bearer token, but sends URL userinfo as
// Basic auth), and the command to run with it.
import type { Link } from '../src/api/types.ts';
import { ConfigError, flag, helpText, parseFlags } from '../src/config/flags.ts';
import { int, str } from '../src/config/values.ts';
import { parseProfileType } from '../src/endpoints/catalog.ts';
import { targetOf } from './capture.ts';
import { CLIENT_BOOLEANS, GATEWAY_CLIENT_FLAGS, gatewayClient, splitArgs } from './gateway-client.ts';

const FLAGS = {
  ...GATEWAY_CLIENT_FLAGS,
  namespace: flag(str, 'namespace (-n), when the pod is given without one'),
  type: flag(parseProfileType, 'profile type: profile, heap, allocs, goroutine, block, mutex, threadcreate, trace', {
    default: 'profile' as const,
  }),
  seconds: flag(int(1, 3600), 'capture length for profile and trace; a delta over N seconds for the others'),
} as const;

const SUMMARY =
  'Prints a one-time URL for go tool pprof (single use, expires quickly, scoped to one pod and profile type) and the command to run with it.';

/** go tool pprof verifies certificates unless the scheme says https+insecure. */
export function pprofCommand(url: string, insecure: boolean, type: string): string {
  const u = insecure ? url.replace(/^https:/, 'https+insecure:') : url;
  return type === 'trace'
    ? `curl -so trace.out '${url}'${insecure ? ' -k' : ''} && go tool trace trace.out`
    : `go tool pprof -http=: '${u}'`;
}

export async function runLink(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(helpText('link NAMESPACE/POD', SUMMARY, FLAGS));
    return 0;
  }
  const { positional, flags } = splitArgs(argv, { n: 'namespace', t: 'type' }, CLIENT_BOOLEANS);
  const c = parseFlags(FLAGS, flags);
  const target = targetOf(positional, c.namespace, undefined);
  if (target.pod === undefined)
    throw new ConfigError(['link: give one pod, as NAMESPACE/POD (links are per pod; use podprof capture for a workload)']);
  const client = await gatewayClient(c);
  const link = await client.json<Link>('POST', '/api/v1/links', {
    namespace: target.namespace,
    pod: target.pod,
    type: c.type,
    seconds: c.seconds,
  });
  process.stdout.write(`${link.url}\n${pprofCommand(link.url, c['insecure-skip-tls-verify'], c.type)}\n`);
  process.stderr.write(`one-time link for ${target.namespace}/${target.pod} ${c.type}: works once, until ${link.expiresAt}\n`);
  return 0;
}

// `podprof link NS/POD --type TYPE [--seconds N]` (a new live profile) or
// `podprof link --capture ID` (a stored capture): a one-time URL for
// `go tool pprof` (which cannot send a bearer token, but sends URL userinfo as
// Basic auth), and the command to run with it, verifying the gateway with
// --ca-file (-tls_ca) when given.
import { resolve } from 'node:path';
import { linkCommand } from '../src/api/link-command.ts';
import type { Link, LinkBody } from '../src/api/types.ts';
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
  capture: flag(str, 'a stored capture (its id, as podprof capture and the UI show it): the link opens its profile, not a new one'),
} as const;

const SUMMARY =
  'Prints a one-time URL for go tool pprof (single use, expires quickly, scoped to one pod and profile type, or to one stored capture with --capture) and the command to run with it.';

/**
 * The command to print: with --ca-file, go tool pprof -tls_ca=<that file>; with
 * --insecure-skip-tls-verify, https+insecure:// (the user asked to skip verification);
 * else the gateway's own (-tls_ca=<its --link-tls-ca>, or none for a certificate the system trusts).
 */
export function commandFor(link: Link, c: { 'ca-file'?: string; 'insecure-skip-tls-verify': boolean }, trace: boolean): string {
  if (c['ca-file'] !== undefined) return linkCommand(link.url, { trace, ca: resolve(c['ca-file']) });
  if (c['insecure-skip-tls-verify']) return linkCommand(link.url, { trace, insecure: true });
  return link.command;
}

export async function runLink(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(helpText('link NAMESPACE/POD | link --capture ID', SUMMARY, FLAGS));
    return 0;
  }
  const { positional, flags } = splitArgs(argv, { n: 'namespace', t: 'type' }, CLIENT_BOOLEANS);
  const c = parseFlags(FLAGS, flags);
  let body: LinkBody;
  let what: string;
  if (c.capture !== undefined) {
    if (positional.length > 0) throw new ConfigError([`link: give --capture ${c.capture} or a pod, not both`]);
    body = { capture: c.capture };
    what = `capture ${c.capture}`;
  } else {
    const target = targetOf(positional, c.namespace, undefined);
    if (target.pod === undefined)
      throw new ConfigError([
        'link: give one pod, as NAMESPACE/POD (links are per pod; use podprof capture for a workload, then --capture ID)',
      ]);
    body = { namespace: target.namespace, pod: target.pod, type: c.type, seconds: c.seconds };
    what = `${target.namespace}/${target.pod} ${c.type}`;
  }
  const client = await gatewayClient(c);
  const link = await client.json<Link>('POST', '/api/v1/links', body);
  const trace = /\/trace(\.out)?$/.test(new URL(link.url).pathname);
  process.stdout.write(`${link.url}\n${commandFor(link, c, trace)}\n`);
  process.stderr.write(`one-time link for ${what}: works once, until ${link.expiresAt}\n`);
  return 0;
}

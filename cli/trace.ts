// `podprof trace pprof --type net|sync|syscall|sched TRACE -o OUT.pb.gz` and
// `podprof trace goroutines TRACE [--output json|table]`: what `go tool trace
// -pprof=TYPE` writes and the goroutine groups `go tool trace` shows, with
// nothing but podprof installed. TRACE is a trace file, or a stored capture
// NAMESPACE/ID (read through the gateway, which derived both when it stored it).
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import type { CaptureMeta } from '../src/api/types.ts';
import { ConfigError, flag, helpText, parseFlags } from '../src/config/flags.ts';
import { oneOf, str } from '../src/config/values.ts';
import { writeProfile } from '../src/profile/write-profile.ts';
import { gzipSync } from 'node:zlib';
import { analyseTraceBytes, TRACE_PPROF_KINDS } from '../src/trace/analyse.ts';
import type { GoroutineGroup } from '../src/trace/goroutine-groups.ts';
import { DEFAULT_TRACE_LIMITS } from '../src/trace/limits.ts';
import { CLIENT_BOOLEANS, errorOf, GATEWAY_CLIENT_FLAGS, gatewayClient, splitArgs, type GatewayClient } from './gateway-client.ts';

const KIND = oneOf(TRACE_PPROF_KINDS);
const CLIENT = { ...GATEWAY_CLIENT_FLAGS, gateway: { ...GATEWAY_CLIENT_FLAGS.gateway, required: false } } as const;

const PPROF_FLAGS = {
  ...CLIENT,
  type: flag(KIND, 'which blocking profile: net, sync, syscall or sched (scheduler latency)', { required: true }),
  output: flag(str, 'the profile to write (-o), gzipped pprof; - for stdout', { required: true }),
} as const;

const GOROUTINE_FLAGS = {
  ...CLIENT,
  output: flag(oneOf(['table', 'json'] as const), 'table, or json: [{ name, count, execution_ns, sched_wait_ns, syscall_ns, block_ns }]', {
    default: 'table' as const,
  }),
  pod: flag(str, 'for a stored capture of several pods: the pod whose groups to print (default: every pod, keyed by pod)'),
} as const;

/** A stored capture: NAMESPACE/ID, where ID is a capture id. */
const STORED = /^([a-z0-9][-a-z0-9]{0,62})\/([a-z0-9]{8,12}-[a-f0-9]{10})$/;

type Source = { readonly file: string } | { readonly namespace: string; readonly id: string };

function sourceOf(arg: string | undefined): Source {
  if (arg === undefined) throw new ConfigError(['give a trace: a file, or a stored capture as NAMESPACE/ID']);
  if (existsSync(arg)) return { file: arg };
  const m = STORED.exec(arg);
  if (m) return { namespace: m[1]!, id: m[2]! };
  throw new ConfigError([`${arg}: no such file, and not a stored capture NAMESPACE/ID`]);
}

async function analyseFile(file: string): Promise<ReturnType<typeof analyseTraceBytes>> {
  return analyseTraceBytes(new Uint8Array(await readFile(file)), DEFAULT_TRACE_LIMITS);
}

/** A derived file of a stored trace capture, after checking the capture is a trace of that namespace. */
async function derived(client: GatewayClient, s: { namespace: string; id: string }, name: string): Promise<Buffer> {
  const meta = await client.json<CaptureMeta>('GET', `/api/v1/captures/${s.id}`);
  if (meta.namespace !== s.namespace) throw new ConfigError([`capture ${s.id} is in namespace ${meta.namespace}, not ${s.namespace}`]);
  if (meta.type !== 'trace') throw new ConfigError([`capture ${s.id} is a ${meta.type} capture, not a trace`]);
  const r = await client.send('GET', `/api/v1/captures/${s.id}/derived/${name}`);
  if (r.status !== 200) throw errorOf(r);
  return r.body;
}

async function runPprof(argv: readonly string[]): Promise<number> {
  const { positional, flags } = splitArgs(argv, { o: 'output', t: 'type' }, CLIENT_BOOLEANS);
  const c = parseFlags(PPROF_FLAGS, flags);
  const source = sourceOf(positional[0]);
  let out: Uint8Array;
  if ('file' in source) out = gzipSync(writeProfile((await analyseFile(source.file)).profiles[c.type]));
  else out = await derived(await gatewayClient(withGateway(c)), source, `trace-${c.type}.pb.gz`);
  if (c.output === '-') process.stdout.write(out);
  else await writeFile(c.output, out);
  if (c.output !== '-')
    process.stderr.write(`wrote ${c.output} (${out.length} bytes): the ${c.type} profile\n  go tool pprof -http=: ${c.output}\n`);
  return 0;
}

function table(groups: readonly GoroutineGroup[]): string {
  const ms = (ns: number): string => (ns / 1e6).toFixed(1);
  const rows = groups.map((g) => [
    g.name,
    String(g.count),
    ms(g.execution_ns),
    ms(g.sched_wait_ns),
    ms(g.syscall_ns),
    ms(Object.values(g.block_ns).reduce((a, b) => a + b, 0)),
  ]);
  const head = ['start function', 'goroutines', 'execution ms', 'sched wait ms', 'syscall ms', 'blocked ms'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]): string =>
    r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return `${[line(head), ...rows.map(line)].join('\n')}\n`;
}

/** The groups of the one pod there is, or undefined when there are several. */
function onlyOne(byPod: Record<string, GoroutineGroup[]>): GoroutineGroup[] | undefined {
  const pods = Object.values(byPod);
  return pods.length === 1 ? pods[0] : undefined;
}

async function runGoroutines(argv: readonly string[]): Promise<number> {
  const { positional, flags } = splitArgs(argv, { o: 'output' }, CLIENT_BOOLEANS);
  const c = parseFlags(GOROUTINE_FLAGS, flags);
  const source = sourceOf(positional[0]);
  let byPod: Record<string, GoroutineGroup[]>;
  if ('file' in source) byPod = { '': (await analyseFile(source.file)).groups };
  else {
    const json = await derived(await gatewayClient(withGateway(c)), source, 'goroutines.json');
    byPod = (JSON.parse(json.toString('utf8')) as { pods: Record<string, GoroutineGroup[]> }).pods;
  }
  const pods = Object.keys(byPod);
  const one = c.pod !== undefined ? byPod[c.pod] : onlyOne(byPod);
  if (c.pod !== undefined && one === undefined) throw new ConfigError([`--pod ${c.pod}: the capture has ${pods.join(', ')}`]);
  if (c.output === 'json') process.stdout.write(`${JSON.stringify(one ?? byPod, null, 2)}\n`);
  else if (one) process.stdout.write(table(one));
  else for (const pod of pods) process.stdout.write(`${pod}\n${table(byPod[pod]!)}\n`);
  return 0;
}

/** A stored capture needs --gateway (or PODPROF_GATEWAY); a file does not. */
function withGateway<C extends { gateway?: URL }>(c: C): C & { gateway: URL } {
  if (c.gateway === undefined) throw new ConfigError(['--gateway (or PODPROF_GATEWAY): where the stored capture is']);
  return c as C & { gateway: URL };
}

const SUMMARY =
  'Execution trace analysis with nothing but podprof: `pprof` writes the profile go tool trace -pprof=TYPE writes; `goroutines` prints the goroutine groups go tool trace shows. TRACE is a trace file or a stored capture NAMESPACE/ID.';

export async function runTrace(argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const help = rest.includes('--help') || rest.includes('-h');
  if (sub === 'pprof' && help)
    process.stdout.write(helpText('trace pprof --type net|sync|syscall|sched TRACE -o OUT.pb.gz', SUMMARY, PPROF_FLAGS));
  else if (sub === 'goroutines' && help) process.stdout.write(helpText('trace goroutines TRACE [--output json]', SUMMARY, GOROUTINE_FLAGS));
  else if (sub === 'pprof') return runPprof(rest);
  else if (sub === 'goroutines') return runGoroutines(rest);
  if (help && (sub === 'pprof' || sub === 'goroutines')) return 0;
  process.stdout.write(
    `Usage: podprof trace pprof --type net|sync|syscall|sched TRACE -o OUT.pb.gz\n       podprof trace goroutines TRACE [--output json|table] [--pod NAME]\n\n${SUMMARY}\n`,
  );
  return sub === undefined || sub === '--help' || sub === '-h' ? 0 : 2;
}

// `podprof capture NS/POD | -n NS -l SELECTOR | -n NS deployment/NAME --type TYPE
// [--seconds N] [--debug 2] -o FILE`: asks the gateway for a capture (merged
// over every pod for a selector or workload), shows progress on stderr, says
// which pods failed and why, and writes the profile, or with --debug 2 Go's
// goroutine dump as text (several pods: -o is a directory). Exit 0 when every
// pod answered, 3 when some did (partial), 1 when none did.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CaptureBody, CaptureMeta } from '../src/api/types.ts';
import { ConfigError, flag, helpText, parseFlags } from '../src/config/flags.ts';
import { int, str } from '../src/config/values.ts';
import { parseProfileType } from '../src/endpoints/catalog.ts';
import { CLIENT_BOOLEANS, GATEWAY_CLIENT_FLAGS, errorOf, gatewayClient, splitArgs, type GatewayClient } from './gateway-client.ts';

/** Only 2 (Go's debug=1 is the goroutine profile's text form: the profile itself, --type goroutine, says as much). */
const debugLevel = (raw: string): 2 => {
  if (raw.trim() !== '2') throw new Error('want 2 (a goroutine dump); for the goroutine profile give --type goroutine alone');
  return 2;
};

const FLAGS = {
  ...GATEWAY_CLIENT_FLAGS,
  namespace: flag(str, 'namespace (-n); with -l SELECTOR or a workload like deployment/NAME'),
  selector: flag(str, 'label selector (-l), e.g. app=web: every injected pod it matches, merged'),
  type: flag(parseProfileType, 'profile, heap, allocs, goroutine, block, mutex, threadcreate, or trace (several pods: -o is a directory)', {
    default: 'profile' as const,
  }),
  seconds: flag(int(1, 3600), 'capture length for profile and trace; a delta over N seconds for the others'),
  debug: flag(
    debugLevel,
    "2: a goroutine dump, Go's goroutine?debug=2 text (each goroutine's state, wait and stack), not a profile; --type goroutine, no --seconds (several pods: -o is a directory)",
  ),
  output: flag(str, 'file to write (-o); - for stdout', { required: true }),
} as const;

const SHORTS = { n: 'namespace', l: 'selector', o: 'output', t: 'type' };
const SUMMARY =
  'Captures a profile through the podprof gateway from one pod, or from every pod of a selector or workload merged into one profile whose samples carry a pod label.';
const WORKLOAD = /^(deployment|deploy|statefulset|sts|daemonset|ds)$/i;

/** The target part of a capture's POST body. */
type Body = Omit<CaptureBody, 'type' | 'seconds'>;

function need(what: string): never {
  throw new ConfigError([what]);
}

/** KIND/NAME or NS/POD. */
function fromPair(arg: string, a: string, b: string, namespace: string | undefined): Body {
  const pod = /^pods?$/.test(a);
  if (WORKLOAD.test(a) || pod) {
    if (!namespace) return need(`"${arg}": give the namespace with -n NAMESPACE`);
    return pod ? { namespace, pod: b } : { namespace, workload: arg };
  }
  if (namespace && namespace !== a) need(`"${arg}" names namespace ${a} but -n says ${namespace}`);
  return { namespace: a, pod: b };
}

/** NS/POD, POD (with -n), KIND/NAME (with -n), or nothing (with -n and -l). */
export function targetOf(positional: readonly string[], namespace: string | undefined, selector: string | undefined): Body {
  if (positional.length > 1) need(`one target at most; unexpected "${positional.slice(1).join(' ')}"`);
  const arg = positional[0];
  if (arg === undefined) {
    if (!selector || !namespace) return need('give NAMESPACE/POD, or -n NAMESPACE with -l SELECTOR or deployment/NAME');
    return { namespace, selector };
  }
  if (selector) need(`give ${arg} or -l ${selector}, not both`);
  const [a = '', b, ...rest] = arg.split('/');
  if (rest.length > 0 || a === '' || b === '') need(`"${arg}": want NAMESPACE/POD or KIND/NAME`);
  if (b === undefined) return namespace ? { namespace, pod: a } : need(`"${arg}": give the namespace, as NAMESPACE/${arg} or -n NAMESPACE`);
  return fromPair(arg, a, b, namespace);
}

function bar(fraction: number, width = 24): string {
  const full = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return `[${'#'.repeat(full)}${'-'.repeat(width - full)}]`;
}

function podCounts(m: CaptureMeta): string {
  const n = (s: string): number => m.pods.filter((p) => p.status === s).length;
  return `ok ${n('ok')} · failed ${n('failed') + n('forbidden')} · running ${n('running')} · waiting ${n('pending')}`;
}

function progressLine(m: CaptureMeta, elapsedMs: number): string {
  const s = Math.floor(elapsedMs / 1000);
  const timed =
    m.seconds !== undefined && m.seconds > 0
      ? `${bar(elapsedMs / 1000 / m.seconds)} ${Math.min(s, m.seconds)}s/${m.seconds}s  `
      : `${s}s  `;
  return `${m.type} ${timed}${podCounts(m)}`;
}

async function poll(client: Awaited<ReturnType<typeof gatewayClient>>, first: CaptureMeta): Promise<CaptureMeta> {
  const tty = process.stderr.isTTY === true;
  const started = Date.now();
  const what = first.pods.length === 1 ? `${first.namespace}/${first.pods[0]!.pod}` : `${first.pods.length} pods in ${first.namespace}`;
  process.stderr.write(
    `capturing ${first.type}${first.seconds ? ` for ${first.seconds}s` : ''} from ${what} (capture ${first.id})${tty ? '\n' : '…\n'}`,
  );
  let m = first;
  while (m.status === 'running') {
    if (tty) process.stderr.write(`\r\x1b[K${progressLine(m, Date.now() - started)}`);
    await new Promise((r) => setTimeout(r, tty ? 250 : 500));
    m = await client.json<CaptureMeta>('GET', `/api/v1/captures/${first.id}`);
  }
  if (tty) process.stderr.write(`\r\x1b[K${progressLine(m, Date.now() - started)}\n`);
  return m;
}

function report(m: CaptureMeta): void {
  for (const p of m.pods) {
    if (p.status !== 'ok')
      process.stderr.write(
        `podprof capture: ${m.namespace}/${p.pod} ${p.status === 'forbidden' ? 'refused' : 'failed'}: ${p.error ?? p.status}\n`,
      );
  }
}

/** A workload's traces or goroutine dumps: each pod's file, and what the gateway derived, into the directory `dir`; the files' names. */
async function writePodFiles(client: GatewayClient, meta: CaptureMeta, dir: string, ext: string): Promise<string[]> {
  if (dir === '-')
    throw new ConfigError([`-o -: a ${meta.debug === 2 ? 'goroutine dump' : 'trace'} capture of several pods writes a directory (-o DIR)`]);
  await mkdir(dir, { recursive: true });
  const files = [
    ...meta.pods
      .filter((p) => p.file !== undefined)
      .map((p) => ({ path: `/api/v1/captures/${meta.id}/pods/${p.pod}`, name: `${p.pod}${ext}` })),
    ...(meta.derived ?? []).map((d) => ({ path: `/api/v1/captures/${meta.id}/derived/${d}`, name: d })),
  ];
  for (const f of files) {
    const r = await client.send('GET', f.path);
    if (r.status !== 200) throw errorOf(r);
    await writeFile(join(dir, f.name), r.body);
  }
  return files.map((f) => f.name);
}

const partial = (meta: CaptureMeta): string => (meta.status === 'partial' ? ' — PARTIAL' : '');

async function writeTraces(client: GatewayClient, meta: CaptureMeta, dir: string): Promise<number> {
  const files = await writePodFiles(client, meta, dir, '.trace.out');
  const first = files[0] ?? 'POD.trace.out';
  process.stderr.write(
    `wrote ${files.length} files to ${dir}: each pod's trace, the four blocking profiles merged (label pod=<name>), goroutines.json; capture ${meta.id}${partial(meta)}\n  podprof trace goroutines ${join(dir, first)}\n  go tool pprof -http=: ${join(dir, 'trace-sched.pb.gz')}\n`,
  );
  return meta.status === 'partial' ? 3 : 0;
}

async function writeDumps(client: GatewayClient, meta: CaptureMeta, dir: string): Promise<number> {
  const files = await writePodFiles(client, meta, dir, '.goroutines.txt');
  process.stderr.write(
    `wrote ${files.length} files to ${dir}: each pod's goroutine dump (Go's debug=2 text), goroutine-dump.json (grouped by state and stack over the pods); capture ${meta.id}${partial(meta)}\n`,
  );
  return meta.status === 'partial' ? 3 : 0;
}

/** What to do with the file written. */
function nextStep(meta: CaptureMeta, output: string): string {
  if (meta.debug === 2) return "grouped by state and stack on the capture's page in the gateway's UI";
  return meta.type === 'trace' ? `podprof trace goroutines ${output}` : `go tool pprof -http=: ${output}`;
}

/** The capture's one file (merged profile, a pod's profile or trace) to `output`. */
async function writeFileOf(client: GatewayClient, meta: CaptureMeta, stored: string, output: string): Promise<number> {
  const file = await client.send('GET', `/api/v1/captures/${meta.id}/${stored}`);
  if (file.status !== 200) throw errorOf(file);
  if (output === '-') process.stdout.write(file.body);
  else await writeFile(output, file.body);
  const ok = meta.pods.filter((p) => p.status === 'ok').length;
  const merged =
    meta.pods.length > 1
      ? `merged from ${ok} of ${meta.pods.length} pods (label pod=<name>)`
      : `from ${meta.namespace}/${meta.pods[0]?.pod ?? '?'}`;
  const next = nextStep(meta, output);
  const what = meta.debug === 2 ? 'goroutine dump' : meta.type;
  process.stderr.write(
    `wrote ${output === '-' ? 'stdout' : output} (${file.body.length} bytes): ${what} ${merged}; capture ${meta.id}${partial(meta)}\n  ${next}\n`,
  );
  return meta.status === 'partial' ? 3 : 0;
}

/** The type, seconds and debug of the POST body: --debug 2 goes with goroutine (the type it implies when --type is not given) and no --seconds. */
function kindOf(
  c: { type: CaptureBody['type']; seconds?: number; debug?: number },
  flags: readonly string[],
): Pick<CaptureBody, 'type' | 'seconds' | 'debug'> {
  if (c.debug === undefined) return { type: c.type, seconds: c.seconds };
  const typed = flags.some((f) => f === '--type' || f.startsWith('--type='));
  if (typed && c.type !== 'goroutine') need(`--debug 2 is a goroutine dump: --type goroutine, not ${c.type}`);
  if (c.seconds !== undefined) need('--debug 2 takes no --seconds: a goroutine dump is every goroutine now');
  return { type: 'goroutine', debug: 2 };
}

export async function runCapture(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(helpText('capture NAMESPACE/POD | -n NAMESPACE -l SELECTOR | -n NAMESPACE deployment/NAME', SUMMARY, FLAGS));
    return 0;
  }
  const { positional, flags } = splitArgs(argv, SHORTS, CLIENT_BOOLEANS);
  const c = parseFlags(FLAGS, flags);
  const body: CaptureBody = { ...targetOf(positional, c.namespace, c.selector), ...kindOf(c, flags) };
  if (body.debug === 2 && body.pod === undefined && c.output === '-')
    need('-o -: a goroutine dump capture of several pods writes a directory (-o DIR)');
  const client = await gatewayClient(c);
  const meta = await poll(client, await client.json<CaptureMeta>('POST', '/api/v1/captures?async=true', body));
  report(meta);
  if (meta.type === 'trace' && meta.file === undefined && meta.status !== 'failed') return writeTraces(client, meta, c.output);
  if (meta.debug === 2 && meta.file === undefined && meta.status !== 'failed') return writeDumps(client, meta, c.output);
  if (meta.status === 'failed' || meta.file === undefined) {
    process.stderr.write(`podprof capture: capture ${meta.id} failed: ${meta.error ?? 'no pod answered'}\n`);
    return 1;
  }
  return writeFileOf(client, meta, meta.file, c.output);
}

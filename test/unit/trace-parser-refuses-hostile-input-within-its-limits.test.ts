// What the trace parser does with traces that are cut short, corrupt or
// built to hurt: it stops where `go tool trace` stops, with its error;
// refuses absurd sizes and varints as Go does; refuses what is over the
// caller's limits (bytes, events, table memory, ordering work) with a
// TraceError of kind 'limit' before holding it; and no corruption makes it
// (or the analyses over what it parsed) throw anything but a TraceError or
// take long.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { readProfile } from '../../src/profile/read-profile.ts';
import { writeProfile } from '../../src/profile/write-profile.ts';
import { TraceError } from '../../src/trace/error.ts';
import { formatParsed } from '../../src/trace/format-parsed.ts';
import { goroutineGroups } from '../../src/trace/goroutine-groups.ts';
import { DEFAULT_TRACE_LIMITS, type TraceLimits } from '../../src/trace/limits.ts';
import { mmuPlot, mutatorUtilization, UTIL } from '../../src/trace/mmu.ts';
import { parseTrace } from '../../src/trace/parse.ts';
import { tracePprofs } from '../../src/trace/pprof.ts';
import { EV } from '../../src/trace/spec.ts';
import { summarize } from '../../src/trace/summary.ts';
import { timeline } from '../../src/trace/timeline.ts';
import { userRegions, userTasks } from '../../src/trace/user-annotations.ts';
import {
  cutAt,
  decodeGzippedProfile,
  GOLDEN_DIR,
  PPROF_KINDS,
  profileRows,
  readJson,
  readTrace,
  TRUNCATED,
  TRUNCATED_PPROF,
  type ParsedGolden,
} from '../kit/traces/goldens.ts';
import { prng } from '../kit/measure/prng.ts';
import { ev, frequencyBatch, stringsBatch, traceBytes, uvarint, type RawBatch } from '../kit/trace-bytes.ts';

const limits = (o: Partial<TraceLimits>): TraceLimits => ({ ...DEFAULT_TRACE_LIMITS, ...o });

/** The parse error message, whether thrown (header, limits) or returned with the events before it. */
function errorOf(bytes: Uint8Array, l?: TraceLimits): string | null {
  try {
    return parseTrace(bytes, l).error?.message ?? null;
  } catch (err) {
    assert.ok(err instanceof TraceError, `only TraceErrors escape: ${String(err)}`);
    return err.message;
  }
}

function thrown(bytes: Uint8Array, l?: TraceLimits): TraceError {
  try {
    parseTrace(bytes, l);
  } catch (err) {
    assert.ok(err instanceof TraceError);
    return err;
  }
  assert.fail('expected a TraceError');
}

describe('traces cut short stop where go tool trace stops', () => {
  for (const name of TRUNCATED) {
    test(name, async () => {
      const bytes = await readTrace(name);
      const cuts = await readJson<{ cut: number; bytes: number; golden: ParsedGolden }[]>(`${GOLDEN_DIR}${name}.truncated.json`);
      for (const c of cuts) {
        const cut = bytes.subarray(0, cutAt(bytes.length, c.cut));
        let text = '';
        let error: string | null;
        try {
          const t = parseTrace(cut);
          for (const line of formatParsed(t)) text += line;
          error = t.error?.message ?? null;
        } catch (err) {
          error = (err as Error).message;
        }
        // "failed to advance" dumps the parser's state after its first lines; Go prints its maps in random order.
        const head = (e: string | null): string | null =>
          e?.startsWith('broken trace: failed to advance') ? e.split('\n\n')[0]! : (e?.trim() ?? null);
        assert.equal(head(error), head(c.golden.error), `${name} cut at ${cut.length}`);
        assert.equal(text.split('\n').length - 1, c.golden.lines, `${name} cut at ${cut.length}: events`);
        assert.equal(createHash('sha256').update(text).digest('hex'), c.golden.sha256, `${name} cut at ${cut.length}: text`);
      }
    });
  }

  test('profiles of a truncated trace keep the whole generations before the cut, as cmd/trace does', async () => {
    let profiled = 0;
    for (const name of TRUNCATED_PPROF) {
      const bytes = await readTrace(name);
      for (const cut of [0.5, 0.75]) {
        const t = parseTrace(bytes.subarray(0, cutAt(bytes.length, cut)));
        assert.ok(t.error !== null && t.validCount > 0, `${name}: cut inside a generation`);
        const base = `${GOLDEN_DIR}${name}.cut${cut * 100}`;
        const refused = await readFile(`${base}.pprof-error.txt`, 'utf8').catch(() => null);
        if (refused !== null) {
          // Nothing whole before the cut: no goroutines, and go tool trace refuses to make a profile.
          assert.throws(
            () => tracePprofs(t, summarize(t)),
            (e: Error) => e instanceof TraceError && refused.trim() === `failed to generate pprof: ${e.message}`.trim(),
          );
          continue;
        }
        const ours = tracePprofs(t, summarize(t));
        for (const kind of PPROF_KINDS) {
          const want = decodeGzippedProfile(new Uint8Array(await readFile(`${base}.${kind}.pb.gz`)));
          assert.deepEqual(profileRows(readProfile(writeProfile(ours[kind]))), profileRows(want), `${name} cut at ${cut}, -pprof=${kind}`);
        }
        profiled++;
      }
    }
    assert.ok(profiled > 0, 'some cut keeps whole generations to profile');
  });
});

describe('hostile traces are refused as Go refuses them', () => {
  const base = (data: number[], extra: RawBatch[] = []): Uint8Array =>
    traceBytes(22, [frequencyBatch(1), ...extra, { gen: 1, m: 1, time: 10, data }]);

  test('not a trace, and traces older than Go 1.22', () => {
    assert.equal(errorOf(new TextEncoder().encode('hello')), 'bad file format: not a Go execution trace?');
    assert.equal(errorOf(new TextEncoder().encode('go 1.24 trace\0\0\0')), 'unknown or unsupported trace version go 1.24');
    const old = thrown(new TextEncoder().encode('go 1.21 trace\0\0\0'));
    assert.equal(old.kind, 'unsupported');
  });

  test('absurd varints: eleven bytes in a batch header, ten in an event', () => {
    const long = Uint8Array.from([...traceBytes(22, []), EV.EventBatch, ...Array<number>(10).fill(0xff), 0x01]);
    assert.equal(errorOf(long), 'error reading batch gen: binary: varint overflows a 64-bit integer');
    const arg = base([EV.ProcStatus, 0, ...Array<number>(10).fill(0xff), 0x02, 2]);
    assert.equal(errorOf(arg), 'found invalid uvarint');
  });

  test('a batch claiming a terabyte, or more than it holds', () => {
    assert.equal(
      errorOf(traceBytes(22, [{ gen: 1, m: 1, time: 1, data: [], size: 2n ** 40n }])),
      'invalid batch size 1099511627776, maximum is 65536',
    );
    assert.equal(
      errorOf(traceBytes(22, [{ gen: 1, m: 1, time: 1, data: [1, 2, 3], size: 60000 }])),
      'failed to read full batch: read 3 but wanted 60000',
    );
  });

  test('a string of a megabyte, a stack of a billion frames, the same ID twice', () => {
    const huge: RawBatch = { gen: 1, m: -1, time: 1, data: [EV.Strings, EV.String, 1, ...uvarint(1 << 20)] };
    assert.equal(errorOf(base(ev(EV.ProcStatus, 0, 0, 2), [huge])), 'invalid string size 1048576, maximum is 1024');
    const deep: RawBatch = { gen: 1, m: -1, time: 1, data: [EV.Stacks, EV.Stack, 1, ...uvarint(1e9)] };
    assert.equal(errorOf(base(ev(EV.ProcStatus, 0, 0, 2), [deep])), 'invalid stack size 1000000000, maximum is 128');
    const twice = stringsBatch(1, [
      [1, 'a'],
      [1, 'b'],
    ]);
    assert.equal(errorOf(base(ev(EV.ProcStatus, 0, 0, 2), [twice])), 'multiple strings with the same ID: id=1, new=b, existing=a');
  });

  test("tables over the caller's limit are refused before they are all held", () => {
    const strings = Array.from({ length: 16 }, (_, b) =>
      stringsBatch(
        1,
        Array.from({ length: 60 }, (_, k) => [b * 60 + k + 1, 'x'.repeat(1000)] as [number, string]),
      ),
    );
    const e = thrown(base(ev(EV.ProcStatus, 0, 0, 2), strings), limits({ maxTableBytes: 1 << 20 }));
    assert.equal(e.kind, 'limit');
    assert.match(e.message, /maxTableBytes/);
    assert.equal(errorOf(base(ev(EV.ProcStatus, 0, 0, 2), strings)), null, 'the same trace parses within the default limits');
  });

  test('more bytes or events than the caller allows', async () => {
    const bytes = await readTrace('chan.go1.26');
    assert.equal(thrown(bytes, limits({ maxBytes: 1000 })).kind, 'limit');
    const e = thrown(bytes, limits({ maxEvents: 500 }));
    assert.equal(e.kind, 'limit');
    assert.match(e.message, /more than 500 events/);
  });

  test('threads so far out of order that each event needs trying them all are refused, not worked through', () => {
    // P 0's sequence runs through 3000 threads whose timestamps are in the reverse order: Go's
    // ordering tries every thread for every event (quadratic); the parser gives up within its budget.
    const n = 3000;
    const batches: RawBatch[] = [frequencyBatch(1), { gen: 1, m: 1, time: 1, data: ev(EV.ProcStatus, 0, 0, 2) }];
    for (let k = 1; k <= n; k++)
      batches.push({ gen: 1, m: k + 1, time: 10 + n - k, data: [...ev(EV.ProcStart, 0, 0, k), ...ev(EV.ProcStop, 1)] });
    const bytes = traceBytes(22, batches);
    const started = performance.now();
    const e = thrown(bytes);
    assert.equal(e.kind, 'limit');
    assert.match(e.message, /out of order/);
    // A guard against a hang (Go's quadratic path on this trace), not a speed check: it takes well under a second.
    assert.ok(performance.now() - started < 60_000, 'refused, not stuck');
    // The same trace with 200 threads is only slow, not hopeless: it parses.
    const small: RawBatch[] = batches.slice(0, 202);
    assert.equal(errorOf(traceBytes(22, small)), null);
  });
});

/** Every analysis over a parsed trace; what one threw, or null. */
function analyseAll(t: ReturnType<typeof parseTrace>): unknown {
  try {
    const s = summarize(t);
    goroutineGroups(s);
    userTasks(t, s);
    userRegions(t, s);
    timeline(t);
    const util = mutatorUtilization(t, UTIL.STW | UTIL.Background | UTIL.Assist | UTIL.Sweep);
    if (util.length > 0 && util[0]!.length > 1) mmuPlot(util, null);
    for (const line of formatParsed(t)) void line;
    tracePprofs(t, s); // may refuse (no goroutines), as go tool trace does
    return null;
  } catch (err) {
    return err;
  }
}

describe('no corruption escapes as anything but a TraceError', () => {
  test('random byte flips, cuts and spliced batches of real traces, and every analysis over what parsed', async () => {
    const rand = prng(20260101);
    let parsed = 0;
    let refused = 0;
    for (const name of ['chan.go1.26', 'tasks.go1.22', 'syscall.go1.25', 'generations.go1.23']) {
      const original = await readTrace(name);
      for (let round = 0; round < 40; round++) {
        const bytes = original.slice(0, Math.max(17, Math.floor(original.length * (0.3 + 0.7 * rand()))));
        const flips = 1 + Math.floor(rand() * 8);
        for (let f = 0; f < flips; f++) bytes[16 + Math.floor(rand() * (bytes.length - 16))] = Math.floor(rand() * 256);
        const started = performance.now();
        let t;
        try {
          t = parseTrace(bytes);
        } catch (err) {
          assert.ok(err instanceof TraceError, `${name} round ${round}: ${String(err)}`);
          refused++;
          continue;
        }
        if (t.validCount > 0) {
          const err = analyseAll(t);
          assert.ok(err === null || err instanceof TraceError, `${name} round ${round}: ${String(err)}`);
          parsed++;
        }
        assert.ok(performance.now() - started < 60_000, `${name} round ${round}: stuck`); // a hang guard, not a speed check
      }
    }
    assert.ok(parsed > 20 && parsed + refused > 0, `${parsed} analysed, ${refused} refused`);
  });
});

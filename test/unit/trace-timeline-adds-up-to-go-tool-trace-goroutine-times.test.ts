// The timeline model for a UI (per-goroutine, per-P and GC spans as typed
// arrays) against the real `go tool trace`: on every recorded trace, each
// goroutine's running spans add up to its execution time on the tool's
// goroutine page, to the ns, and so do its runnable, waiting (by reason),
// syscall and syscall-blocked spans to the page's other columns. The spans
// of a goroutine tile its life without overlap, each P runs one thing at a
// time and its running spans are exactly its goroutines', waits say who
// unblocked them, and stacks resolve to frames.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseTrace } from '../../src/trace/parse.ts';
import { stackFrames } from '../../src/trace/stack-table.ts';
import { G_SPAN, GC_SPAN, P_SPAN, timeline, type Timeline } from '../../src/trace/timeline.ts';
import { GOLDEN_DIR, manifest, readJson, readTrace, type PagesGolden } from '../kit/traces/goldens.ts';

const m = await manifest();

/** A goroutine's span time by kind (and waits by reason). */
function sums(tl: Timeline, k: number): { byKind: Map<number, number>; waits: Map<string, number> } {
  const s = tl.goroutines;
  const byKind = new Map<number, number>();
  const waits = new Map<string, number>();
  for (let j = tl.goroutineFirst[k]!; j < tl.goroutineFirst[k + 1]!; j++) {
    const i = tl.goroutineSpans[j]!;
    const d = s.end[i]! - s.start[i]!;
    byKind.set(s.kind[i]!, (byKind.get(s.kind[i]!) ?? 0) + d);
    if (s.kind[i] === G_SPAN.Waiting) waits.set(tl.strings[s.reason[i]!]!, (waits.get(tl.strings[s.reason[i]!]!) ?? 0) + d);
  }
  return { byKind, waits };
}

describe("the timeline's spans add up to go tool trace's goroutine times", () => {
  for (const rec of m.traces) {
    test(rec.name, async () => {
      const pages = await readJson<PagesGolden>(`${GOLDEN_DIR}${rec.name}.pages.json`);
      const t = parseTrace(await readTrace(rec.name));
      const tl = timeline(t);
      const slot = new Map(Array.from(tl.goroutineIds, (id, k) => [id, k]));
      let checked = 0;
      for (const want of pages.goroutineGroups.flatMap((g) => g.goroutines)) {
        const k = slot.get(want.id);
        assert.ok(k !== undefined, `goroutine ${want.id} has spans`);
        const { byKind, waits } = sums(tl, k);
        const col = (c: string): number => want.stats[c] ?? 0;
        assert.equal(byKind.get(G_SPAN.Running) ?? 0, col('Execution time'), `goroutine ${want.id}: running`);
        // Go's page counts a goroutine still blocked in a syscall at the end twice for that last
        // stretch (as syscall execution and as scheduler wait, not as syscall block time); the
        // timeline shows it once, as blocked.
        const last = tl.goroutineSpans[tl.goroutineFirst[k + 1]! - 1]!;
        const lastEnd = tl.goroutines.end[last] ?? 0;
        const tail =
          tl.goroutines.kind[last] === G_SPAN.SyscallBlocked && lastEnd === tl.end ? lastEnd - (tl.goroutines.start[last] ?? 0) : 0;
        assert.equal((byKind.get(G_SPAN.Syscall) ?? 0) + tail, col('Syscall execution time'), `goroutine ${want.id}: syscall`);
        assert.equal((byKind.get(G_SPAN.Runnable) ?? 0) + tail, col('Sched wait time'), `goroutine ${want.id}: runnable`);
        assert.equal((byKind.get(G_SPAN.SyscallBlocked) ?? 0) - tail, col('Block time (syscall)'), `goroutine ${want.id}: syscall blocked`);
        // Go's page counts a goroutine blocked forever as ended; the timeline shows it waiting.
        const forever = waits.has('forever');
        for (const [reason, ns] of waits)
          if (reason !== 'forever' && reason !== 'syscall')
            assert.equal(ns, col(`Block time (${reason})`), `goroutine ${want.id}: waiting (${reason})`);
        if (!forever) checked++;
      }
      assert.ok(checked > 0);
    });
  }

  test('spans tile each goroutine, each P runs one goroutine at a time, as the goroutines ran', async () => {
    for (const rec of m.traces) {
      const tl = timeline(parseTrace(await readTrace(rec.name)));
      const s = tl.goroutines;
      for (let k = 0; k < tl.goroutineIds.length; k++) {
        const spans = tl.goroutineSpans.subarray(tl.goroutineFirst[k], tl.goroutineFirst[k + 1]);
        for (let j = 1; j < spans.length; j++)
          assert.ok(s.start[spans[j]!]! >= s.end[spans[j - 1]!]!, `${rec.name}: goroutine ${tl.goroutineIds[k]} spans overlap`);
      }
      const running = new Set<string>();
      for (let i = 0; i < s.count; i++)
        if (s.kind[i] === G_SPAN.Running && s.p[i] !== -1) running.add(`${s.g[i]} ${s.p[i]} ${s.start[i]} ${s.end[i]}`);
      const p = tl.procs;
      const procRunning = new Set<string>();
      for (let k = 0; k < tl.procIds.length; k++) {
        const spans = tl.procSpans.subarray(tl.procFirst[k], tl.procFirst[k + 1]);
        for (let j = 0; j < spans.length; j++) {
          const i = spans[j]!;
          if (j > 0) assert.ok(p.start[i]! >= p.end[spans[j - 1]!]!, `${rec.name}: P ${tl.procIds[k]} runs two things at once`);
          if (p.kind[i] === P_SPAN.Running) procRunning.add(`${p.g[i]} ${p.p[i]} ${p.start[i]} ${p.end[i]}`);
        }
      }
      assert.deepEqual([...procRunning].sort(), [...running].sort(), `${rec.name}: P running spans are the goroutines' running spans`);
    }
  });

  test('waits say who unblocked them and from where; stacks resolve; GC and STW spans are there', async () => {
    const tl = timeline(parseTrace(await readTrace('chan.go1.26')));
    const s = tl.goroutines;
    let byGoroutine = 0;
    for (let i = 0; i < s.count; i++) {
      if (s.kind[i] !== G_SPAN.Waiting || s.unblockedBy[i] === -1) continue;
      byGoroutine++;
      assert.ok(tl.goroutineIds.includes(s.unblockedBy[i]!), 'the unblocker is a goroutine of the trace');
      assert.ok(stackFrames(tl.stacks, s.unblockStack[i]!).length > 0, 'an unblock by a goroutine has its stack');
    }
    assert.ok(byGoroutine > 100, `${byGoroutine} waits ended by a goroutine`);
    const blockStacks = [...Array(s.count).keys()].filter(
      (i) => s.kind[i] === G_SPAN.Waiting && tl.strings[s.reason[i]!] === 'chan receive',
    );
    assert.ok(
      blockStacks.length > 0 &&
        blockStacks.every((i) =>
          stackFrames(tl.stacks, s.stack[i]!).some(
            (f) => f.func === 'runtime.chanrecv1' || f.func === 'runtime.chanrecv2' || f.func.startsWith('main.'),
          ),
        ),
    );
    const sched = timeline(parseTrace(await readTrace('sched.go1.26')));
    const kinds = new Set(sched.gc.kind);
    for (const k of [GC_SPAN.Mark, GC_SPAN.STW, GC_SPAN.Sweep]) assert.ok(kinds.has(k), `GC span kind ${k}`);
    assert.ok([...sched.gc.name].some((n) => sched.strings[n]!.startsWith('stop-the-world (')));
  });
});

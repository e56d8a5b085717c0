// The four profiles of `go tool trace -pprof=net|sync|syscall|sched` from the
// trace core, against the real tool's on every recorded trace: the same
// stacks (function, file, PC and line of every frame) with the same
// contention counts and delays in ns. Compared as decoded samples (Go's
// sample order comes from a map, so bytes differ); ours go through the
// project's own protobuf writer and reader.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { readProfile } from '../../src/profile/read-profile.ts';
import { writeProfile } from '../../src/profile/write-profile.ts';
import { parseTrace } from '../../src/trace/parse.ts';
import { tracePprof } from '../../src/trace/pprof.ts';
import { summarize } from '../../src/trace/summary.ts';
import { decodeGzippedProfile, GOLDEN_DIR, manifest, PPROF_KINDS, profileRows, readTrace } from '../kit/traces/goldens.ts';

const m = await manifest();

describe('go tool trace -pprof profiles, number for number', () => {
  for (const rec of m.traces) {
    test(rec.name, async () => {
      const t = parseTrace(await readTrace(rec.name));
      const summary = summarize(t);
      for (const kind of PPROF_KINDS) {
        const want = decodeGzippedProfile(new Uint8Array(await readFile(`${GOLDEN_DIR}${rec.name}.${kind}.pb.gz`)));
        const got = readProfile(writeProfile(tracePprof(t, kind, summary)));
        assert.deepEqual(profileRows(got), profileRows(want), `${rec.name} -pprof=${kind}`);
        assert.deepEqual(
          got.sampleType.map((v) => [got.stringTable.strings[Number(v.type)], got.stringTable.strings[Number(v.unit)]]),
          [
            ['contentions', 'count'],
            ['delay', 'nanoseconds'],
          ],
        );
      }
    });
  }

  test('the goldens are not all empty: network, sync, syscall and sched profiles all have samples somewhere', async () => {
    for (const kind of PPROF_KINDS) {
      const any = await Promise.all(
        m.traces.map(
          async (r) => decodeGzippedProfile(new Uint8Array(await readFile(`${GOLDEN_DIR}${r.name}.${kind}.pb.gz`))).sample.length,
        ),
      );
      assert.ok(
        any.some((n) => n > 0),
        `some ${kind} profile has samples`,
      );
    }
  });
});

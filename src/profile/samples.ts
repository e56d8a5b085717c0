// A profile's samples one at a time, into reused scratch fields, for the merge:
// straight from the protobuf bytes while the profile came from readProfile and
// nobody has touched its `sample` (no Sample objects are ever built then), else
// from the Sample objects. readProfile leaves the samples encoded, checked, and
// builds the objects only when `sample` is first read. Pure and isomorphic.
import { Label, Sample, type Profile } from 'pprof-format';
import { DELIMITED, Reader, VARINT, type Numeric } from './wire.ts';

/** One sample's fields; arrays are reused, only the first `*Count` entries are this sample's. */
export class SampleFields {
  locationIds: Numeric[] = [];
  locationCount = 0;
  values: Numeric[] = [];
  valueCount = 0;
  labelKeys: Numeric[] = [];
  labelStrs: Numeric[] = [];
  labelNums: Numeric[] = [];
  labelUnits: Numeric[] = [];
  labelCount = 0;

  clear(): void {
    this.locationCount = this.valueCount = this.labelCount = 0;
  }

  toSample(): Sample {
    const label: Label[] = [];
    for (let i = 0; i < this.labelCount; i++)
      label.push(new Label({ key: this.labelKeys[i]!, str: this.labelStrs[i]!, num: this.labelNums[i]!, numUnit: this.labelUnits[i]! }));
    return new Sample({ locationId: this.locationIds.slice(0, this.locationCount), value: this.values.slice(0, this.valueCount), label });
  }

  private fromSample(s: Sample): void {
    this.clear();
    for (const l of s.locationId) this.locationIds[this.locationCount++] = l;
    for (const v of s.value) this.values[this.valueCount++] = v;
    for (const l of s.label) this.setLabel(this.labelCount++, l.key, l.str, l.num, l.numUnit);
  }

  private setLabel(i: number, key: Numeric, str: Numeric, num: Numeric, unit: Numeric): void {
    this.labelKeys[i] = key;
    this.labelStrs[i] = str;
    this.labelNums[i] = num;
    this.labelUnits[i] = unit;
  }

  /** Reads one Sample message (its length already entered) from `r`. */
  read(r: Reader): void {
    this.clear();
    while (r.more) {
      const tag = r.int();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (field === 1) this.locationCount = r.repeated(wire, this.locationIds, this.locationCount);
      else if (field === 2) this.valueCount = r.repeated(wire, this.values, this.valueCount);
      else if (field === 3) this.readLabel(r, wire);
      else r.skip(wire);
    }
  }

  private readLabel(r: Reader, wire: number): void {
    if (wire !== DELIMITED) throw new Error(`wire type ${wire} where a label was expected`);
    const outer = r.enter();
    const i = this.labelCount++;
    this.setLabel(i, 0, 0, 0, 0);
    while (r.more) {
      const tag = r.int();
      const field = tag >>> 3;
      if (field < 1 || field > 4) {
        r.skip(tag & 7);
        continue;
      }
      if ((tag & 7) !== VARINT) throw new Error(`wire type ${tag & 7} where a varint was expected`);
      const v = r.varint();
      if (field === 1) this.labelKeys[i] = v;
      else if (field === 2) this.labelStrs[i] = v;
      else if (field === 3) this.labelNums[i] = v;
      else this.labelUnits[i] = v;
    }
    r.leave(outer);
  }

  /** Walks the samples of `p` into these fields, calling `visit` after each. */
  each(p: Profile, visit: () => void): void {
    const encoded = pending.get(p);
    if (!encoded) {
      for (const s of p.sample) {
        this.fromSample(s);
        visit();
      }
      return;
    }
    const r = new Reader(encoded.bytes);
    for (let i = 0; i < encoded.spans.length; i += 2) {
      r.pos = encoded.spans[i]!;
      r.limit = encoded.spans[i + 1]!;
      this.read(r);
      visit();
    }
  }
}

interface Encoded {
  readonly bytes: Uint8Array;
  /** Start and end offset of each Sample message, in order. */
  readonly spans: readonly number[];
}

/** Profiles whose samples are still only bytes. */
const pending = new WeakMap<Profile, Encoded>();

/** The encoded samples of `p`, while nobody has read its `sample`. */
export function encodedSamples(p: Profile): Encoded | undefined {
  return pending.get(p);
}

/** Gives `p` the Sample message bodies at `spans` of `bytes` (checked already): Sample objects are built when `sample` is first read. */
export function leaveEncoded(p: Profile, bytes: Uint8Array, spans: readonly number[]): void {
  pending.set(p, { bytes, spans });
  const settle = (self: Profile, value: Sample[]): void => {
    pending.delete(self);
    Object.defineProperty(self, 'sample', { value, writable: true, enumerable: true, configurable: true });
  };
  Object.defineProperty(p, 'sample', {
    enumerable: true,
    configurable: true,
    get(this: Profile): Sample[] {
      const out: Sample[] = [];
      const fields = new SampleFields();
      fields.each(this, () => out.push(fields.toSample()));
      settle(this, out);
      return out;
    },
    set(this: Profile, value: Sample[]) {
      settle(this, value);
    },
  });
}

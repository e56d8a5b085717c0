// The merged profile's distinct labels as small ids, for keying samples: a
// label is its (key, str, num, numUnit) in the merged string table, num compared
// as int64; the first Label seen with those is the one kept. Pure.
import { Label } from 'pprof-format';
import { IntKeys } from './int-keys.ts';
import { int64, type Numeric } from './values.ts';

const TWO_32 = 2 ** 32;

export class Labels {
  private readonly keys = new IntKeys();
  private readonly scratch = new Int32Array(5);
  private readonly labels: Label[] = [];

  id(key: number, str: number, num: Numeric, numUnit: number): number {
    const k = this.scratch;
    k[0] = key;
    k[1] = str;
    k[2] = numUnit;
    if (typeof num === 'number' && Number.isSafeInteger(num)) {
      const hi = Math.floor(num / TWO_32);
      k[3] = hi;
      k[4] = num - hi * TWO_32;
    } else {
      const x = int64(num);
      k[3] = Number(x >> 32n);
      k[4] = Number(x & 0xffffffffn);
    }
    const found = this.keys.find(k, 5);
    if (found >= 0) return found;
    this.labels.push(new Label({ key, str, num, numUnit }));
    return this.keys.add(k, 5);
  }

  get(id: number): Label {
    return this.labels[id]!;
  }
}

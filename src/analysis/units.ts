// pprof's measurement units (internal/measurement): which unit a sample type's
// unit string names, and scaling a value to another unit or to the most
// readable one ("minimum"/"auto").

interface Unit {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly factor: number;
}

interface UnitType {
  readonly units: readonly Unit[];
  readonly defaultUnit: Unit;
}

const bytes: Unit = { name: 'B', aliases: ['b', 'byte'], factor: 1 };
const seconds: Unit = { name: 's', aliases: [], factor: 1e9 };
const gcu: Unit = { name: 'GCU', aliases: [], factor: 1 };

const UNIT_TYPES: readonly UnitType[] = [
  {
    units: [
      bytes,
      { name: 'kB', aliases: ['kb', 'kbyte', 'kilobyte'], factor: 2 ** 10 },
      { name: 'MB', aliases: ['mb', 'mbyte', 'megabyte'], factor: 2 ** 20 },
      { name: 'GB', aliases: ['gb', 'gbyte', 'gigabyte'], factor: 2 ** 30 },
      { name: 'TB', aliases: ['tb', 'tbyte', 'terabyte'], factor: 2 ** 40 },
      { name: 'PB', aliases: ['pb', 'pbyte', 'petabyte'], factor: 2 ** 50 },
    ],
    defaultUnit: bytes,
  },
  {
    units: [
      { name: 'ns', aliases: ['ns', 'nanosecond'], factor: 1 },
      { name: 'us', aliases: ['μs', 'us', 'microsecond'], factor: 1e3 },
      { name: 'ms', aliases: ['ms', 'millisecond'], factor: 1e6 },
      { name: 's', aliases: ['s', 'sec', 'second'], factor: 1e9 },
      { name: 'hrs', aliases: ['hour', 'hr'], factor: 3600e9 },
    ],
    defaultUnit: seconds,
  },
  {
    units: [
      { name: 'n*GCU', aliases: ['nanogcu'], factor: 1e-9 },
      { name: 'u*GCU', aliases: ['microgcu'], factor: 1e-6 },
      { name: 'm*GCU', aliases: ['milligcu'], factor: 1e-3 },
      { name: 'GCU', aliases: ['gcu'], factor: 1 },
      { name: 'k*GCU', aliases: ['kilogcu'], factor: 1e3 },
      { name: 'M*GCU', aliases: ['megagcu'], factor: 1e6 },
      { name: 'G*GCU', aliases: ['gigagcu'], factor: 1e9 },
      { name: 'T*GCU', aliases: ['teragcu'], factor: 1e12 },
      { name: 'P*GCU', aliases: ['petagcu'], factor: 1e15 },
    ],
    defaultUnit: gcu,
  },
];

function sniff(ut: UnitType, unit: string): Unit | undefined {
  let u = unit.toLowerCase();
  if (new TextEncoder().encode(u).length > 2 && u.endsWith('s')) u = u.slice(0, -1); // Go's len() counts bytes
  return ut.units.find((x) => x.aliases.includes(u));
}

function autoScale(ut: UnitType, v: number): [number, string] | undefined {
  let f = 0;
  let name = '';
  for (const u of ut.units) {
    if (u.factor >= f && v / u.factor >= 1) {
      f = u.factor;
      name = u.name;
    }
  }
  return f === 0 ? undefined : [v / f, name];
}

function convert(ut: UnitType, value: number, from: string, to: string): [number, string] | undefined {
  const fromUnit = sniff(ut, from);
  if (!fromUnit) return undefined;
  const v = value * fromUnit.factor;
  if (to === 'minimum' || to === 'auto') {
    return autoScale(ut, v) ?? [v / ut.defaultUnit.factor, ut.defaultUnit.name];
  }
  const toUnit = sniff(ut, to) ?? ut.defaultUnit;
  return [v / toUnit.factor, toUnit.name];
}

/**
 * Scales `value` from unit `from` to unit `to` ("minimum"/"auto" pick the
 * largest unit that keeps the value ≥ 1). Returns the scaled value and the
 * unit's display name ("" for plain counts). As measurement.Scale.
 */
export function scale(value: number, from: string, to: string): [number, string] {
  if (value < 0) {
    const [v, u] = scale(-value, from, to);
    return [-v, u];
  }
  for (const ut of UNIT_TYPES) {
    const r = convert(ut, value, from, to);
    if (r) return r;
  }
  return ['count', 'sample', 'unit', 'minimum', 'auto'].includes(to) ? [value, ''] : [value, to];
}

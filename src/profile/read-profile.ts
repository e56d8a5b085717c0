// pprof protobuf bytes → pprof-format Profile, in one pass over the bytes with
// no copies, the same objects Profile.decode builds (ids and values a number
// while exact, see wire.ts) except that the samples stay encoded until first
// read (samples.ts). Throws on bytes that are not protobuf. Pure and isomorphic.
import { Function as PFunction, Line, Location, Mapping, Profile, ValueType, type ProfileInput } from 'pprof-format';
import { DecodedStrings } from './decoded-strings.ts';
import { leaveEncoded, SampleFields } from './samples.ts';
import type { Numeric } from './values.ts';
import { DELIMITED, Reader, VARINT } from './wire.ts';

type Fields<T> = Record<number, (r: Reader, into: T, wire: number) => void>;

/** Reads the fields of one message into `into` with `fields`; unknown fields are skipped. */
function message<T>(r: Reader, fields: Fields<T>, into: T): T {
  while (r.more) {
    const tag = r.int();
    const wire = tag & 7;
    const read = fields[tag >>> 3];
    if (read) read(r, into, wire);
    else r.skip(wire);
  }
  return into;
}

/** A length-delimited submessage read with `fields`. */
function sub<T>(r: Reader, wire: number, fields: Fields<T>, into: T): T {
  if (wire !== DELIMITED) throw new Error(`wire type ${wire} where a message was expected`);
  const outer = r.enter();
  message(r, fields, into);
  r.leave(outer);
  return into;
}

function num(r: Reader, wire: number): Numeric {
  if (wire !== VARINT) throw new Error(`wire type ${wire} where a varint was expected`);
  return r.varint();
}

type Data = Record<string, unknown>;
const set =
  (name: string) =>
  (r: Reader, d: Data, wire: number): void =>
    void (d[name] = num(r, wire));
const flag =
  (name: string) =>
  (r: Reader, d: Data, wire: number): void =>
    void (d[name] = !!num(r, wire));

const VALUE_TYPE: Fields<Data> = { 1: set('type'), 2: set('unit') };
const MAPPING: Fields<Data> = {
  1: set('id'),
  2: set('memoryStart'),
  3: set('memoryLimit'),
  4: set('fileOffset'),
  5: set('filename'),
  6: set('buildId'),
  7: flag('hasFunctions'),
  8: flag('hasFilenames'),
  9: flag('hasLineNumbers'),
  10: flag('hasInlineFrames'),
};
const LINE: Fields<Data> = { 1: set('functionId'), 2: set('line'), 3: set('column') };
const FUNCTION: Fields<Data> = { 1: set('id'), 2: set('name'), 3: set('systemName'), 4: set('filename'), 5: set('startLine') };

interface LocationData {
  line: Line[];
  [k: string]: unknown;
}
const LOCATION: Fields<LocationData> = {
  1: set('id'),
  2: set('mappingId'),
  3: set('address'),
  5: flag('isFolded'),
  4: (r, l, wire) => void l.line.push(new Line(sub(r, wire, LINE, {}))),
};

interface ProfileData extends ProfileInput {
  sampleType: ValueType[];
  spans: number[];
  mapping: Mapping[];
  location: Location[];
  function: PFunction[];
  comment: Numeric[];
  [k: string]: unknown;
}
/** Samples are read once here only to check them; merge reads them again, the rest as Sample objects (samples.ts). */
const CHECK = new SampleFields();
const PROFILE: Fields<ProfileData> = {
  1: (r, p, wire) => void p.sampleType.push(new ValueType(sub(r, wire, VALUE_TYPE, {}))),
  2: (r, p, wire) => {
    if (wire !== DELIMITED) throw new Error(`wire type ${wire} where a sample was expected`);
    const outer = r.enter();
    p.spans.push(r.pos, r.limit);
    CHECK.read(r);
    r.leave(outer);
  },
  3: (r, p, wire) => void p.mapping.push(new Mapping(sub(r, wire, MAPPING, {}))),
  4: (r, p, wire) => void p.location.push(new Location(sub(r, wire, LOCATION, { line: [] }))),
  5: (r, p, wire) => void p.function.push(new PFunction(sub(r, wire, FUNCTION, {}))),
  6: (r, p, wire) => {
    if (wire !== DELIMITED) throw new Error(`wire type ${wire} where a string was expected`);
    p.stringTable ??= new DecodedStrings();
    p.stringTable._decodeString(r.bytes());
  },
  7: set('dropFrames'),
  8: set('keepFrames'),
  9: set('timeNanos'),
  10: set('durationNanos'),
  11: (r, p, wire) => void (p.periodType = new ValueType(sub(r, wire, VALUE_TYPE, {}))),
  12: set('period'),
  13: (r, p, wire) => void (p.comment.length = r.repeated(wire, p.comment, p.comment.length)),
  14: set('defaultSampleType'),
  15: set('docUrl'),
};

export function readProfile(bytes: Uint8Array): Profile {
  const data = message<ProfileData>(new Reader(bytes), PROFILE, {
    sampleType: [],
    spans: [],
    mapping: [],
    location: [],
    function: [],
    comment: [],
  });
  const p = new Profile(data);
  leaveEncoded(p, bytes, data.spans);
  return p;
}

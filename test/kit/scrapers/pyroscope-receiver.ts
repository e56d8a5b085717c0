// Where Alloy's pyroscope.write pushes, for the Alloy test: the Connect unary
// call Pyroscope serves (POST /push.v1.PusherService/Push, protobuf body,
// github.com/grafana/pyroscope api/push/v1/push.proto), decoded with a small
// protobuf wire reader and kept in memory. Not Pyroscope (AGPL): only what the
// test checks, the pushed series' labels and raw pprof bytes.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PushedSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly profiles: readonly Buffer[];
  /** When the receiver took the push (Date.now()); absent from decodePushRequest's answer. */
  readonly receivedAt?: number;
}

export interface PyroscopeReceiver {
  readonly url: string;
  readonly series: PushedSeries[];
  /** Requests it could not take, with why (empty when all went well). */
  readonly rejected: string[];
  close(): Promise<void>;
}

/** Protobuf wire fields of one message: field number → the length-delimited values (other wire types skipped). */
function fields(buf: Buffer): Map<number, Buffer[]> {
  const out = new Map<number, Buffer[]>();
  let i = 0;
  const varint = (): number => {
    let v = 0;
    let shift = 0;
    for (;;) {
      if (i >= buf.length) throw new Error('truncated varint');
      const b = buf[i++]!;
      v += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return v;
      shift += 7;
      if (shift > 63) throw new Error('varint too long');
    }
  };
  while (i < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    switch (key & 7) {
      case 0:
        varint();
        break;
      case 1:
        i += 8;
        break;
      case 5:
        i += 4;
        break;
      case 2: {
        const len = varint();
        if (i + len > buf.length) throw new Error('truncated field');
        const list = out.get(field) ?? [];
        list.push(buf.subarray(i, i + len));
        out.set(field, list);
        i += len;
        break;
      }
      default:
        throw new Error(`wire type ${key & 7}`);
    }
    if (i > buf.length) throw new Error('truncated');
  }
  return out;
}

/** PushRequest { repeated RawProfileSeries series = 1 }; RawProfileSeries { repeated LabelPair labels = 1; repeated RawSample samples = 2 }; LabelPair { name = 1; value = 2 }; RawSample { bytes raw_profile = 1; string ID = 2 }. */
export function decodePushRequest(body: Buffer): PushedSeries[] {
  return (fields(body).get(1) ?? []).map((s) => {
    const f = fields(s);
    const labels: Record<string, string> = {};
    for (const pair of f.get(1) ?? []) {
      const p = fields(pair);
      labels[(p.get(1)?.[0] ?? Buffer.alloc(0)).toString('utf8')] = (p.get(2)?.[0] ?? Buffer.alloc(0)).toString('utf8');
    }
    const profiles = (f.get(2) ?? []).map((sample) => Buffer.from(fields(sample).get(1)?.[0] ?? Buffer.alloc(0)));
    return { labels, profiles };
  });
}

async function body(req: IncomingMessage, max: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) throw new Error(`body over ${max} bytes`);
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts);
}

export async function startPyroscopeReceiver(): Promise<PyroscopeReceiver> {
  const series: PushedSeries[] = [];
  const rejected: string[] = [];
  const server: Server = createServer((req, res) => {
    const fail = (why: string, status = 400): void => {
      rejected.push(`${req.method} ${req.url}: ${why}`);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'invalid_argument', message: why }));
    };
    if (req.method !== 'POST' || req.url !== '/push.v1.PusherService/Push') return fail('not the Push call', 404);
    if (req.headers['content-type'] !== 'application/proto') return fail(`content-type ${req.headers['content-type']}`);
    if (req.headers['content-encoding'] !== undefined && req.headers['content-encoding'] !== 'identity')
      return fail(`content-encoding ${req.headers['content-encoding']}`);
    body(req, 64 * 1024 * 1024).then(
      (raw) => {
        try {
          const receivedAt = Date.now();
          series.push(...decodePushRequest(raw).map((s) => ({ ...s, receivedAt })));
        } catch (err) {
          return fail(`not a PushRequest: ${(err as Error).message}`);
        }
        res.writeHead(200, { 'content-type': 'application/proto' }).end();
      },
      (err: Error) => fail(err.message, 413),
    );
  });
  // Longer than a pusher's idle connections live (Go's 90 s): it never reuses one this closes under it.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    series,
    rejected,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// A minimal keep-alive HTTPS/1.1 client for the webhook benchmark: one TLS
// connection, one request at a time, prebuilt request bytes, responses framed
// by Content-Length. Much cheaper per request than node:https, so on a small
// machine the load generator does not become the bottleneck it measures.
import { connect, type TLSSocket } from 'node:tls';

export interface RawResponse {
  status: number;
  body: Buffer;
  /** Write of the request → last byte of the response, in ms. */
  ms: number;
}

/** The bytes of `POST path` with a JSON body, ready to write. */
export function postBytes(host: string, port: number, path: string, body: Buffer | string): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body) : body;
  const head = `POST ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: ${b.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), b]);
}

const HEADER_END = Buffer.from('\r\n\r\n');

interface Pending {
  resolve: (r: RawResponse) => void;
  reject: (e: Error) => void;
  t0: number;
}

export class RawConnection {
  private socket: TLSSocket | undefined;
  private pending: Pending | undefined;
  private chunks: Buffer[] = [];
  private received = 0;
  private headerLength = -1;
  private status = 0;
  private contentLength = 0;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  get open(): boolean {
    return this.socket !== undefined && !this.socket.destroyed;
  }

  /** Opens the TLS connection (untimed); a no-op when it is open. */
  async connect(): Promise<void> {
    if (this.open) return;
    const socket = connect({ host: this.host, port: this.port, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    socket.setNoDelay(true);
    // An old socket's late events never touch a newer connection.
    socket.on('data', (c: Buffer) => {
      if (this.socket === socket) this.onData(c);
    });
    socket.on('error', (err: Error) => {
      if (this.socket === socket) this.fail(err);
    });
    socket.on('close', () => {
      if (this.socket === socket) this.fail(new Error('connection closed'));
    });
    this.socket = socket;
  }

  request(bytes: Buffer): Promise<RawResponse> {
    const socket = this.socket;
    if (!socket || socket.destroyed) return Promise.reject(new Error('not connected'));
    if (this.pending) return Promise.reject(new Error('a request is in flight'));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject, t0: performance.now() };
      socket.write(bytes);
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private fail(err: Error): void {
    const p = this.pending;
    const socket = this.socket;
    this.reset();
    this.socket = undefined;
    socket?.destroy();
    p?.reject(err);
  }

  private reset(): void {
    this.pending = undefined;
    this.chunks = [];
    this.received = 0;
    this.headerLength = -1;
  }

  private onData(c: Buffer): void {
    this.chunks.push(c);
    this.received += c.length;
    if (this.headerLength < 0 && !this.readHeader()) return;
    if (this.received < this.headerLength + this.contentLength) return;
    const t1 = performance.now();
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const p = this.pending;
    const res = {
      status: this.status,
      body: all.subarray(this.headerLength, this.headerLength + this.contentLength),
      ms: p ? t1 - p.t0 : Number.NaN,
    };
    this.reset();
    if (p) p.resolve(res);
  }

  /** Parses the status line and Content-Length once the header is complete; false while it is not. */
  private readHeader(): boolean {
    const all = Buffer.concat(this.chunks);
    this.chunks = [all];
    const end = all.indexOf(HEADER_END);
    if (end < 0) return false;
    const head = all.subarray(0, end).toString('latin1');
    this.status = Number(head.slice(9, 12));
    const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!m) {
      this.fail(new Error(`response without Content-Length: ${head.slice(0, 200)}`));
      return false;
    }
    this.contentLength = Number(m[1]);
    this.headerLength = end + HEADER_END.length;
    return true;
  }
}

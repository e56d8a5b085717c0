// A response body read chunk by chunk in the worker, telling how much of it
// has come (at most every PROGRESS_EVERY_MS) and refusing one past `max`
// bytes: a profile's and a trace's download, both shown with progress.

const PROGRESS_EVERY_MS = 100;

export interface ReadOptions {
  /** Called with the bytes read so far and the Content-Length (0: unknown). */
  readonly progress: (loaded: number, total: number) => void;
  /** The most bytes read; past it, the error `tooLarge` makes (with the bytes seen so far). */
  readonly max?: number;
  readonly tooLarge?: (n: number) => Error;
}

export async function readBody(res: Response, o: ReadOptions): Promise<Uint8Array> {
  const total = Number(res.headers.get('content-length') ?? 0);
  const max = o.max ?? Infinity;
  const tooLarge = o.tooLarge ?? ((n: number) => new Error(`the body is ${n} bytes or more, more than ${max}`));
  if (total > max) throw tooLarge(total);
  if (!res.body) return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  let last = 0;
  o.progress(0, total);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    if (loaded > max) {
      await reader.cancel();
      throw tooLarge(loaded);
    }
    if (performance.now() - last > PROGRESS_EVERY_MS) {
      last = performance.now();
      o.progress(loaded, total);
    }
  }
  o.progress(loaded, total);
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

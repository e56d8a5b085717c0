// The ObjectStore on an S3-compatible bucket (--store s3://…): what gateway
// replicas share. Credentials come from the AWS SDK's default provider chain
// (environment, a mounted shared credentials file, web identity / IRSA); none
// is ever logged or named in `describe`. Each request has a connect timeout
// and an idle timeout and is tried at most 3 times (the SDK's standard
// retries, with backoff); whatever still fails — no answer, a 5xx, a refusal
// such as 403 or a missing bucket — surfaces as StoreUnavailable, which routes
// answer as 503 PODPROF_STORE_UNAVAILABLE. putIfAbsent is PutObject with
// If-None-Match: * (412: someone else's object is there).
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { checkKey, StoreUnavailable, type ObjectStore, type StoredObject } from './object-store.ts';
import type { StoreLocation } from './store-url.ts';

export type S3Location = Extract<StoreLocation, { kind: 's3' }>;

export interface S3Options {
  /** Milliseconds to open a connection (default 3 s). */
  readonly connectTimeoutMs?: number;
  /** Milliseconds a request may go without a byte either way (default 30 s). */
  readonly idleTimeoutMs?: number;
  /** Tries per request, the first included (default 3). */
  readonly maxAttempts?: number;
  /** Largest object putStream buffers when it is not told the size (default 256 MiB). */
  readonly maxBufferedBytes?: number;
}

interface SdkError {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

const statusOf = (err: unknown): number | undefined => (err as SdkError).$metadata?.httpStatusCode;
const isMissing = (err: unknown): boolean => (err as SdkError).name === 'NoSuchKey' || statusOf(err) === 404;

export class S3ObjectStore implements ObjectStore {
  private readonly client: S3Client;
  private readonly maxBuffered: number;

  constructor(
    readonly location: S3Location,
    o: S3Options = {},
  ) {
    const ca = location.caFile === undefined ? undefined : readFileSync(location.caFile);
    const agent = { keepAlive: true, maxSockets: 64 };
    const config: S3ClientConfig = {
      forcePathStyle: location.forcePathStyle,
      maxAttempts: o.maxAttempts ?? 3,
      // S3-compatible servers differ in the optional checksums; send and check them only where S3 requires them.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: {
        connectionTimeout: o.connectTimeoutMs ?? 3000,
        requestTimeout: o.idleTimeoutMs ?? 30_000,
        httpAgent: new HttpAgent(agent),
        httpsAgent: new HttpsAgent({ ...agent, ...(ca === undefined ? {} : { ca }) }),
      },
      ...(location.endpoint === undefined ? {} : { endpoint: location.endpoint }),
      region: location.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    };
    this.client = new S3Client(config);
    this.maxBuffered = o.maxBufferedBytes ?? 256 * 1024 ** 2;
  }

  get describe(): string {
    const l = this.location;
    return `s3 ${l.bucket}${l.prefix === '' ? '' : `/${l.prefix}`} at ${l.endpoint ?? `AWS ${l.region ?? 'default region'}`}`;
  }

  private key(key: string): string {
    checkKey(key);
    return this.location.prefix === '' ? key : `${this.location.prefix}/${key}`;
  }

  /** StoreUnavailable for anything the store did not answer as expected, saying what was asked and what came back. */
  private unavailable(what: string, err: unknown): StoreUnavailable {
    const e = err as SdkError;
    const status = statusOf(err);
    const why = status === undefined ? (e.message ?? String(err)) : `${status} ${e.name ?? ''}`.trim();
    return new StoreUnavailable(`the object store (${this.describe}) failed to ${what}: ${why}`, { cause: err });
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const found = await this.open(key);
    if (!found) return undefined;
    const chunks: Buffer[] = [];
    try {
      for await (const c of found.stream) chunks.push(c as Buffer);
    } catch (err) {
      throw this.unavailable(`read ${key}`, err);
    }
    return Buffer.concat(chunks);
  }

  async open(key: string): Promise<{ stream: Readable; size: number } | undefined> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: this.key(key) }));
      return { stream: r.Body as Readable, size: r.ContentLength ?? 0 };
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw this.unavailable(`get ${key}`, err);
    }
  }

  async put(key: string, body: Uint8Array | string): Promise<void> {
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.location.bucket, Key: this.key(key), Body: body }));
    } catch (err) {
      throw this.unavailable(`put ${key}`, err);
    }
  }

  /** With `size`, streams the body with that Content-Length; without it, buffers up to maxBufferedBytes. */
  async putStream(key: string, body: AsyncIterable<Uint8Array>, size?: number): Promise<number> {
    if (size !== undefined) {
      try {
        await this.client.send(
          new PutObjectCommand({
            Bucket: this.location.bucket,
            Key: this.key(key),
            Body: body instanceof Readable ? body : Readable.from(body),
            ContentLength: size,
          }),
        );
      } catch (err) {
        throw this.unavailable(`put ${key}`, err);
      }
      return size;
    }
    const chunks: Uint8Array[] = [];
    let bytes = 0;
    for await (const c of body) {
      bytes += c.length;
      if (bytes > this.maxBuffered) throw new Error(`${key}: larger than the ${this.maxBuffered} bytes an object of unknown size may be`);
      chunks.push(c);
    }
    await this.put(key, Buffer.concat(chunks));
    return bytes;
  }

  async putIfAbsent(key: string, body: Uint8Array | string): Promise<boolean> {
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.location.bucket, Key: this.key(key), Body: body, IfNoneMatch: '*' }));
      return true;
    } catch (err) {
      // 412: the object exists; 409: another conditional write of it is in flight, and it, not this one, creates it.
      if (statusOf(err) === 412 || statusOf(err) === 409) return false;
      throw this.unavailable(`create ${key}`, err);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: this.key(key) }));
    } catch (err) {
      if (isMissing(err)) return;
      throw this.unavailable(`delete ${key}`, err);
    }
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    const base = this.location.prefix === '' ? '' : `${this.location.prefix}/`;
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: base + prefix, ContinuationToken: token, MaxKeys: 1000 }),
        );
      } catch (err) {
        throw this.unavailable(`list ${prefix}`, err);
      }
      for (const o of page.Contents ?? []) {
        if (o.Key === undefined || !o.Key.startsWith(base)) continue;
        yield { key: o.Key.slice(base.length), size: o.Size ?? 0, modified: o.LastModified?.getTime() ?? 0 };
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async ping(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.location.bucket }));
    } catch (err) {
      throw this.unavailable('answer HEAD on the bucket', err);
    }
  }

  close(): void {
    this.client.destroy();
  }
}

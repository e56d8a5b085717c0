// Build X.509 certificates with ECDSA P-256 keys: a self-signed serving
// certificate for the sidecar when none is mounted, CAs and leaves for tests and
// `podprof webhook certs`, and the gateway's short-lived sidecar certificates
// (certifyKey: a leaf for a public key the sidecar keeps the private half of).
import { createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP, isIPv4 } from 'node:net';
import { bitString, bool, explicit, octets, oid, seq, set, tlv, uint, utf8, time } from './der.ts';

export interface CertOptions {
  readonly commonName: string;
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  readonly isCA?: boolean;
  readonly days?: number;
  /** Validity in milliseconds; overrides days. */
  readonly validForMs?: number;
  /** Sign with this CA; absent: self-signed. `name` is the CA's subject as DER (subjectOf), else CN=commonName. */
  readonly issuer?: { readonly commonName: string; readonly key: KeyObject; readonly name?: Buffer };
}

export interface KeyAndCert {
  readonly keyPem: string;
  readonly certPem: string;
  readonly key: KeyObject;
}

const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));

const name = (cn: string): Buffer => seq(set(seq(oid('2.5.4.3'), utf8(cn))));

function ipBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  const [head = '', tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  return Buffer.concat(groups.map((g) => Buffer.from(g.padStart(4, '0'), 'hex')));
}

function extensions(o: CertOptions): Buffer {
  const ext = (id: string, critical: boolean, value: Buffer): Buffer => seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));
  const list = [
    ext('2.5.29.19', true, seq(...(o.isCA === true ? [bool(true)] : []))),
    ext('2.5.29.15', true, bitString(Buffer.from([o.isCA === true ? 0x06 : 0x80]))),
  ];
  if (o.isCA !== true) {
    list.push(ext('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.1'), oid('1.3.6.1.5.5.7.3.2'))));
    const sans = [
      ...(o.dnsNames ?? []).map((d) => tlv(0x82, Buffer.from(d))),
      ...(o.ipAddresses ?? []).filter((ip) => isIP(ip) !== 0).map((ip) => tlv(0x87, ipBytes(ip))),
    ];
    if (sans.length > 0) list.push(ext('2.5.29.17', false, seq(...sans)));
  }
  return explicit(3, seq(...list));
}

function toPem(label: string, der: Buffer): string {
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

export function createCertificate(o: CertOptions): KeyAndCert {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    key: privateKey,
    keyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    certPem: build(createPublicKey(privateKey), o.issuer?.key ?? privateKey, o),
  };
}

/** A certificate (PEM) for `publicKey`, signed by `o.issuer`. */
export function certifyKey(publicKey: KeyObject, o: CertOptions & { readonly issuer: NonNullable<CertOptions['issuer']> }): string {
  return build(publicKey, o.issuer.key, o);
}

/** The subject Name of a certificate, as DER: what a leaf it signs names as its issuer. */
export function subjectOf(certDer: Buffer): Buffer {
  const tbs = children(children(certDer)[0]!);
  // TBSCertificate: [0] version, serial, signature, issuer, validity, subject, …
  const at = tbs[0]![0] === 0xa0 ? 5 : 4;
  return tbs[at]!;
}

/** The TLVs inside a DER SEQUENCE, each with its header. */
function children(der: Buffer): Buffer[] {
  const header = (b: Buffer, i: number): [number, number] => {
    const first = b[i + 1]!;
    if (first < 0x80) return [2, first];
    const n = first & 0x7f;
    return [2 + n, b.subarray(i + 2, i + 2 + n).reduce((v, x) => v * 256 + x, 0)];
  };
  const [h, len] = header(der, 0);
  const out: Buffer[] = [];
  for (let i = h; i < h + len;) {
    const [ch, clen] = header(der, i);
    out.push(der.subarray(i, i + ch + clen));
    i += ch + clen;
  }
  return out;
}

function build(subjectKey: KeyObject, signingKey: KeyObject, o: CertOptions): string {
  const spki = subjectKey.export({ format: 'der', type: 'spki' });
  const now = Date.now();
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  const tbs = seq(
    explicit(0, uint(Buffer.from([2]))),
    uint(serial),
    ECDSA_SHA256,
    o.issuer?.name ?? name(o.issuer?.commonName ?? o.commonName),
    seq(time(new Date(now - 5 * 60_000)), time(new Date(now + (o.validForMs ?? (o.days ?? 365) * 86_400_000)))),
    name(o.commonName),
    spki,
    extensions(o),
  );
  const signature = sign('sha256', tbs, { key: signingKey, dsaEncoding: 'der' });
  return toPem('CERTIFICATE', seq(tbs, ECDSA_SHA256, bitString(signature)));
}

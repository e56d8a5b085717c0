// Seals the credential a UI session was made with (its Authorization header),
// so any replica can re-check the user with it and the store alone reveals
// nothing: AES-256-GCM under a key derived from the shared session key AND the
// session id, which only the browser's cookie holds (the store keeps its digest).
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

const keyFor = (sharedKey: Buffer, id: string): Buffer => createHmac('sha256', sharedKey).update(`podprof credential\0${id}`).digest();

export function seal(sharedKey: Buffer, id: string, plain: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', keyFor(sharedKey, id), iv);
  const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64url');
}

/** The plain text, or undefined when the box was not sealed for this key and id (or was altered). */
export function unseal(sharedKey: Buffer, id: string, box: string): string | undefined {
  const raw = Buffer.from(box, 'base64url');
  if (raw.length < 28) return undefined;
  try {
    const d = createDecipheriv('aes-256-gcm', keyFor(sharedKey, id), raw.subarray(0, 12));
    d.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

// A response status as a metrics label from a fixed set: podprof's own
// statuses as themselves, anything else (a made-up 299 an app answered with)
// as its class, "2xx". A caller cannot add series by choosing statuses.
import { CATALOG } from '../errors.ts';

const STATUSES = new Set([200, 201, 202, 204, 206, 304, 499, ...Object.values(CATALOG).map((e) => e.status)]);

export function statusLabel(status: number): string {
  return STATUSES.has(status) ? String(status) : `${Math.floor(status / 100)}xx`;
}

// Small formatting helpers for the pages (not profile values: those use src/analysis/format.ts).
export function ago(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return new Date(iso).toISOString().slice(0, 16).replace('T', ' ');
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export const TYPE_LABEL: Readonly<Record<string, string>> = {
  profile: 'CPU',
  heap: 'heap',
  allocs: 'allocs',
  goroutine: 'goroutine',
  block: 'block',
  mutex: 'mutex',
  threadcreate: 'threadcreate',
  trace: 'trace',
};

// Go's container/heap over an array and a less function, step for step: the
// MMU computation processes bands and keeps worst windows in heaps whose ties
// it breaks by position, so it must move elements exactly as Go does. Pure.

export type Less<T> = (a: T, b: T) => boolean;

function up<T>(h: T[], j: number, less: Less<T>): void {
  for (;;) {
    const i = Math.trunc((j - 1) / 2); // Go's (j-1)/2 truncates toward zero: the root's parent is itself
    if (i === j || !less(h[j]!, h[i]!)) return;
    swap(h, i, j);
    j = i;
  }
}

function down<T>(h: T[], i0: number, n: number, less: Less<T>): boolean {
  let i = i0;
  for (;;) {
    const j1 = 2 * i + 1;
    if (j1 >= n) break;
    let j = j1;
    if (j1 + 1 < n && less(h[j1 + 1]!, h[j1]!)) j = j1 + 1;
    if (!less(h[j]!, h[i]!)) break;
    swap(h, i, j);
    i = j;
  }
  return i > i0;
}

function swap<T>(h: T[], i: number, j: number): void {
  const t = h[i]!;
  h[i] = h[j]!;
  h[j] = t;
}

export function heapInit<T>(h: T[], less: Less<T>): void {
  const n = h.length;
  for (let i = Math.trunc(n / 2) - 1; i >= 0; i--) down(h, i, n, less);
}

export function heapPush<T>(h: T[], x: T, less: Less<T>): void {
  h.push(x);
  up(h, h.length - 1, less);
}

export function heapPop<T>(h: T[], less: Less<T>): T {
  const n = h.length - 1;
  swap(h, 0, n);
  down(h, 0, n, less);
  return h.pop()!;
}

export function heapRemove<T>(h: T[], i: number, less: Less<T>): T {
  const n = h.length - 1;
  if (n !== i) {
    swap(h, i, n);
    if (!down(h, i, n, less)) up(h, i, less);
  }
  return h.pop()!;
}

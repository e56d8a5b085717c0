// Three-way comparison of numbers, bigints or strings (code-unit order), as
// Go's cmp.Compare orders them for the sorts whose ties decide trace order.
export function compare<T extends number | bigint | string>(a: T, b: T): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}

// The MMU options by Go's names (its /mmu page's flags), for the page and the
// worker alike. Pure.

/** Go's flag names, in the order its page lists them. */
export const MMU_FLAG_NAMES = ['perProc', 'stw', 'background', 'assist', 'sweep'] as const;
/** What Go's page checks at first. */
export const DEFAULT_MMU_FLAGS: readonly string[] = ['stw', 'background', 'assist'];
/** The mmu parameter when nothing is included (an empty parameter is no parameter). */
export const NO_MMU_FLAGS = 'none';
/** Go's quantiles: the minimum, then what the worst 0.1 %, 1 % and 5 % of windows leave. */
export const MMU_QUANTILES: readonly number[] = [0, 1 - 0.999, 1 - 0.99, 1 - 0.95];

/** The flags a mmu parameter names, known ones only, in Go's order. */
export function mmuFlags(param: string | undefined): string[] {
  if (param === undefined) return [...DEFAULT_MMU_FLAGS];
  const asked = new Set(param.split(','));
  return MMU_FLAG_NAMES.filter((n) => asked.has(n));
}

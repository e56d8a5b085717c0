// Kubernetes resource quantities: "100m", "0.5", "64Mi", "1G", "1e3".

const QUANTITY = /^([+]?(?:\d+(?:\.\d*)?|\.\d+))(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+)?$/;

const SUFFIX: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** The quantity's value in base units (cores, bytes); undefined when it is not a valid quantity. */
export function parseQuantity(raw: string): number | undefined {
  // Kubernetes does not trim: " 100m" is not a quantity.
  const m = QUANTITY.exec(raw);
  if (!m) return undefined;
  const suffix = m[2] ?? '';
  const factor = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : SUFFIX[suffix];
  const n = Number(m[1]) * (factor ?? NaN);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** Bytes as a Mi quantity, rounded up: 201326592 → "192Mi". */
export function formatMi(bytes: number): string {
  return `${Math.ceil(bytes / 2 ** 20)}Mi`;
}

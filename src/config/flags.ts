// One flag table per command. A flag reads, in order: --name value / --name=value,
// then PODPROF_<NAME> (and any extra env names, e.g. the downward API's POD_NAME),
// then its default. Every bad value is collected, so one run names every bad key.

import type { Parser } from './values.ts';

export interface Flag<T> {
  readonly parse: Parser<T>;
  readonly description: string;
  /** Shown in --help; undefined means "no default". */
  readonly default?: T;
  readonly defaultText?: string;
  readonly env?: readonly string[];
  readonly required?: boolean;
}

export type FlagTable = Record<string, Flag<unknown>>;
export type ConfigOf<F extends FlagTable> = {
  readonly [K in keyof F]: F[K] extends Flag<infer T>
    ? F[K] extends { default: unknown } | { required: true }
      ? T
      : T | undefined
    : never;
};

type FlagOptions<T> = Omit<Flag<T>, 'parse' | 'description'>;

/** A flag; the options' literal type is kept so ConfigOf knows which flags always have a value. */
export function flag<T, const O extends FlagOptions<T> = FlagOptions<T>>(parse: Parser<T>, description: string, opts?: O): Flag<T> & O {
  return { parse, description, ...(opts ?? ({} as O)) };
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** "max-seconds" → "PODPROF_MAX_SECONDS" */
export function envName(flagName: string): string {
  return `PODPROF_${flagName.toUpperCase().replace(/-/g, '_')}`;
}

function readArgv(argv: readonly string[], known: ReadonlySet<string>, problems: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const m = /^--([a-z0-9-]+)(?:=(.*))?$/s.exec(arg);
    if (!m) {
      problems.push(`unexpected argument "${arg}"`);
      continue;
    }
    const name = m[1] ?? '';
    if (!known.has(name)) {
      problems.push(`--${name}: unknown flag`);
      if (m[2] === undefined && !(argv[i + 1] ?? '--').startsWith('--')) i++;
      continue;
    }
    let value = m[2];
    if (value === undefined) {
      const next = argv[i + 1];
      value = next === undefined || next.startsWith('--') ? 'true' : next;
      if (value === next) i++;
    }
    out.set(name, value);
  }
  return out;
}

export function parseFlags<F extends FlagTable>(table: F, argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ConfigOf<F> {
  const problems: string[] = [];
  const given = readArgv(argv, new Set(Object.keys(table)), problems);
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(table)) {
    const envKeys = [envName(name), ...(spec.env ?? [])];
    const fromEnv = envKeys.find((k) => env[k] !== undefined && env[k] !== '');
    const raw = given.get(name) ?? (fromEnv === undefined ? undefined : env[fromEnv]);
    const source = given.has(name) ? `--${name}` : `${fromEnv ?? ''} (--${name})`;
    if (raw === undefined) {
      if (spec.required === true) problems.push(`--${name}: required (or set ${envKeys.join(' or ')})`);
      out[name] = spec.default;
      continue;
    }
    try {
      out[name] = spec.parse(raw);
    } catch (err) {
      const shown = raw.length > 80 ? `${raw.slice(0, 77)}...` : raw;
      problems.push(`${source}: "${shown}" is invalid: ${(err as Error).message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(out) as ConfigOf<F>;
}

export function helpText(command: string, summary: string, table: FlagTable): string {
  const rows = Object.entries(table).map(([name, spec]) => {
    const def = spec.defaultText ?? (spec.default === undefined ? '' : JSON.stringify(spec.default));
    const envs = [envName(name), ...(spec.env ?? [])].join(', ');
    return `  --${name}\n      ${spec.description}${def ? ` (default ${def})` : ''}${spec.required === true ? ' (required)' : ''}\n      env: ${envs}`;
  });
  return `Usage: podprof ${command} [flags]\n\n${summary}\n\nFlags:\n${rows.join('\n')}\n`;
}

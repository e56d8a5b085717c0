// Module paths and versions as the go command checks them (golang.org/x/mod/module:
// CheckPath, checkElem, EscapePath, UnescapePath, CheckPathMajor) and canonical
// semver versions: what a profile's file name may name before the gateway builds
// a module proxy URL from it. Anything else is refused, so a crafted profile
// cannot walk a path (`..`), reach another host (`//`, `@`, `:`), or smuggle
// a query (`?`, `#`, `%`).

const BAD_WINDOWS = new Set(['CON', 'PRN', 'AUX', 'NUL', ...[1, 2, 3, 4, 5, 6, 7, 8, 9].flatMap((n) => [`COM${n}`, `LPT${n}`])]);
const MOD_CHAR = /^[A-Za-z0-9._~-]$/;
const FIRST_CHAR = /^[a-z0-9.-]$/;
/** fileNameOK's ASCII set (x/mod): letters, digits and !#$%&()+,-.=@[]^_{}~ and space; no other byte. */
const FILE_CHAR = /^[A-Za-z0-9!#$%&()+,\-.=@[\]^_{}~ ]$/;
const SEMVER = /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+incompatible)?$/;

/** Longest module path, version and file path the gateway considers (the go command has no limit; profiles have never needed more). */
export const MAX_PATH = 512;

function elemProblem(elem: string, kind: 'module' | 'file'): string | undefined {
  if (elem === '') return 'empty path element';
  if (/^\.+$/.test(elem)) return `invalid path element "${elem}"`;
  if (kind === 'module' && elem.startsWith('.')) return 'leading dot in path element';
  if (elem.endsWith('.')) return 'trailing dot in path element';
  for (const c of elem) if (!(kind === 'module' ? MOD_CHAR : FILE_CHAR).test(c)) return `invalid char ${JSON.stringify(c)}`;
  const dot = elem.indexOf('.');
  const short = dot >= 0 ? elem.slice(0, dot) : elem;
  if (BAD_WINDOWS.has(short.toUpperCase())) return `"${short}" disallowed as path element`;
  if (kind === 'module' && /~\d+$/.test(short)) return 'trailing tilde and digits in path element';
  return undefined;
}

function pathProblem(path: string, kind: 'module' | 'file'): string | undefined {
  if (path === '') return 'empty string';
  if (path.length > MAX_PATH) return `longer than ${MAX_PATH} characters`;
  if (path.startsWith('-') && kind === 'module') return 'leading dash';
  if (path.includes('//')) return 'double slash';
  if (path.endsWith('/')) return 'trailing slash';
  for (const e of path.split('/')) {
    const p = elemProblem(e, kind);
    if (p) return p;
  }
  return undefined;
}

/** Why `path` is not a module path (x/mod CheckPath), or undefined. */
export function modulePathProblem(path: string): string | undefined {
  const p = pathProblem(path, 'module');
  if (p) return p;
  const first = path.split('/')[0]!;
  if (!first.includes('.')) return 'missing dot in first path element';
  for (const c of first) if (!FIRST_CHAR.test(c)) return `invalid char ${JSON.stringify(c)} in first path element`;
  const major = /\/(v\d+)$/.exec(path)?.[1];
  if (major !== undefined && !/^v([2-9]|[1-9]\d+)$/.test(major)) return `invalid major version suffix /${major}`;
  return undefined;
}

/** The major version a module path demands (/v2, gopkg.in/x.v2), or undefined for v0/v1. */
function pathMajor(path: string): { major: string; gopkg: boolean } | undefined {
  const suffix = /\/(v\d+)$/.exec(path)?.[1];
  if (suffix !== undefined) return { major: suffix, gopkg: false };
  const gopkg = path.startsWith('gopkg.in/') ? /\.(v\d+)(-unstable)?$/.exec(path)?.[1] : undefined;
  return gopkg === undefined ? undefined : { major: gopkg, gopkg: true };
}

/** Why `version` is not a canonical semantic version the module `path` may have (CheckPathMajor), or undefined. */
export function versionProblem(path: string, version: string): string | undefined {
  if (version.length > 128) return 'longer than 128 characters';
  const m = SEMVER.exec(version);
  if (!m) return 'not a canonical semantic version (vMAJOR.MINOR.PATCH[-pre][+incompatible])';
  const major = `v${m[1]}`;
  const incompatible = m[6] !== undefined;
  const want = pathMajor(path);
  if (!want)
    return major === 'v0' || major === 'v1' || incompatible ? undefined : `should be v0 or v1, not ${major} (or ${major}+incompatible)`;
  if (incompatible && !want.gopkg) return `+incompatible with a /${want.major} path`;
  if (major === want.major || (want.gopkg && want.major === 'v1' && version.startsWith('v0.0.0-'))) return undefined;
  return `should be ${want.major}, not ${major}`;
}

/** Why `path` is not a file path inside a module zip (x/mod CheckFilePath, ASCII only), or undefined. */
export function filePathProblem(path: string): string | undefined {
  return pathProblem(path, 'file');
}

/** The module cache's and the proxy protocol's form: each upper-case letter as ! and its lower case. */
export function escapePath(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);
}

/** The reverse of escapePath; undefined for a string no escaping makes (an upper-case letter, ! not before a-z). */
export function unescapePath(s: string): string | undefined {
  if (/[A-Z]/.test(s) || /![^a-z]|!$/.test(s)) return undefined;
  return s.replace(/!([a-z])/g, (_m, c: string) => c.toUpperCase());
}

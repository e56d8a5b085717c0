// Which module file a profile's file name is, if any: a dependency in the module
// cache (`…/pkg/mod/github.com/!x/y@v1.2.3/z.go`) or built with -trimpath
// (`github.com/X/y@v1.2.3/z.go`), the standard library (`…/go/src/net/http/server.go`,
// `net/http/server.go`) at the pod's Go version, from the toolchain module the
// module proxy serves (golang.org/toolchain@v0.0.1-go1.X.Y.linux-amd64, Go 1.21 on),
// or the main module at the version the pod declares. Pure: no disk, no network;
// what it returns is validated (module.ts) before anyone builds a URL from it.
import { escapePath, filePathProblem, modulePathProblem, unescapePath, versionProblem } from './module.ts';

export interface ModuleVersion {
  readonly path: string;
  readonly version: string;
}

export interface SourceRef {
  readonly kind: 'module' | 'std' | 'main';
  /** The module path (unescaped) and its canonical version. */
  readonly module: string;
  readonly version: string;
  /** The file inside the module zip, below `module@version/`. */
  readonly file: string;
}

export interface SourceHints {
  /** The pod's Go version (podprof.io/go-version or ?go=): go1.22.3. */
  readonly goVersion?: string;
  /** The main module and its version (podprof.io/main-module: github.com/acme/svc@v1.4.0). */
  readonly mainModule?: ModuleVersion;
}

export type Located =
  | { readonly ok: true; readonly ref: SourceRef }
  /** invalid: the name claims a module but breaks the module rules (refused); unknown: no module names it. */
  | { readonly ok: false; readonly why: 'invalid' | 'unknown'; readonly reason: string };

/** The top-level directories of GOROOT/src: a file below one of them is the standard library's. */
const STD_TOP = new Set(
  (
    'archive bufio builtin bytes cmd cmp compress container context crypto database debug embed encoding errors expvar flag fmt go hash ' +
    'html image index internal io iter log maps math mime net os path plugin reflect regexp runtime slices sort strconv strings structs ' +
    'sync syscall testing text time unicode unique unsafe vendor weak'
  ).split(' '),
);

/** The toolchain module holds GOROOT from Go 1.21.0 on (go1.21.0, go1.22rc1, …). */
const GO_VERSION = /^go1\.(\d+)(?:\.(0|[1-9]\d*)|(rc|beta)([1-9]\d*))$/;
export const TOOLCHAIN_MODULE = 'golang.org/toolchain';

/** go1.22.3 (or 1.22.3) → go1.22.3, when its sources are on the module proxy; else why not. */
export function parseGoVersion(raw: string): { ok: true; version: string } | { ok: false; reason: string } {
  const v = raw.startsWith('go') ? raw : `go${raw}`;
  const m = GO_VERSION.exec(v);
  if (!m || v.length > 32) return { ok: false, reason: `"${raw.slice(0, 40)}" is not a Go release like go1.22.3` };
  if (Number(m[1]) < 21 || (Number(m[1]) === 21 && m[3] === undefined && m[2] === undefined))
    return { ok: false, reason: `${v}: the module proxy serves the standard library from Go 1.21.0 on` };
  return { ok: true, version: v };
}

/** `github.com/acme/svc@v1.4.0` → its path and version, if both are valid. */
export function parseModuleVersion(raw: string): { ok: true; mv: ModuleVersion } | { ok: false; reason: string } {
  const at = raw.indexOf('@');
  if (at < 0) return { ok: false, reason: 'want module@version, like github.com/acme/svc@v1.4.0' };
  const path = raw.slice(0, at);
  const version = raw.slice(at + 1);
  const p = modulePathProblem(path) ?? versionProblem(path, version);
  return p ? { ok: false, reason: `${raw.slice(0, 100)}: ${p}` } : { ok: true, mv: { path, version } };
}

function checked(kind: SourceRef['kind'], module: string, version: string, file: string): Located {
  const problem =
    (modulePathProblem(module) && `module path ${module.slice(0, 200)}: ${modulePathProblem(module)}`) ||
    (versionProblem(module, version) && `version ${version.slice(0, 100)}: ${versionProblem(module, version)}`) ||
    (filePathProblem(file) && `file ${file.slice(0, 200)}: ${filePathProblem(file)}`);
  return problem ? { ok: false, why: 'invalid', reason: problem } : { ok: true, ref: { kind, module, version, file } };
}

/** `module@version/file`, escaped as in the module cache (escaped) or plain as -trimpath writes it. */
function moduleFile(rest: string, escaped: boolean): Located {
  const at = rest.indexOf('@');
  const slash = rest.indexOf('/', at);
  if (at <= 0 || slash < 0) return { ok: false, why: 'invalid', reason: `${rest.slice(0, 200)} is not module@version/file` };
  let module = rest.slice(0, at);
  let version = rest.slice(at + 1, slash);
  const file = rest.slice(slash + 1);
  if (escaped || module.includes('!') || version.includes('!')) {
    const m = unescapePath(module);
    const v = unescapePath(version);
    if (m === undefined || v === undefined)
      return { ok: false, why: 'invalid', reason: `${rest.slice(0, 200)}: not escaped as the module cache escapes paths` };
    module = m;
    version = v;
  }
  return checked('module', module, version, file);
}

/** The package path of a Go function name: github.com/a/b/c.(*T).M → github.com/a/b/c. */
export function packageOf(fn: string): string {
  const slash = fn.lastIndexOf('/');
  const dot = fn.indexOf('.', slash + 1);
  return dot < 0 ? fn : fn.slice(0, dot);
}

/** A relative name (-trimpath): module@version/file, the main module's path/file, or the standard library's. */
function relative(fileName: string, hints: SourceHints): Located | undefined {
  const first = fileName.split('/')[0]!;
  if (fileName.includes('@') && first.includes('.')) return moduleFile(fileName, false);
  const main = hints.mainModule;
  if (main && fileName.startsWith(`${main.path}/`)) return checked('main', main.path, main.version, fileName.slice(main.path.length + 1));
  return STD_TOP.has(first) ? std(fileName, hints) : undefined;
}

/** An absolute name: below GOROOT/src, or the main module's, found by the function's package path. */
function absolute(fileName: string, fn: string, hints: SourceHints): Located | undefined {
  const parts = fileName.split('/');
  for (let i = parts.length - 3; i > 0; i--) {
    if (parts[i] === 'src' && STD_TOP.has(parts[i + 1]!)) return std(parts.slice(i + 1).join('/'), hints);
  }
  const main = hints.mainModule;
  if (!main) return undefined;
  const pkg = packageOf(fn);
  if (pkg === 'main')
    return {
      ok: false,
      why: 'unknown',
      reason: `${fileName}: package main's folder in ${main.path} is not in the profile; build with -trimpath`,
    };
  if (pkg !== main.path && !pkg.startsWith(`${main.path}/`)) return undefined;
  const dir = pkg.slice(main.path.length + 1);
  const base = parts[parts.length - 1]!;
  if (dir !== '' && !fileName.endsWith(`/${dir}/${base}`)) return undefined;
  return checked('main', main.path, main.version, dir === '' ? base : `${dir}/${base}`);
}

/** A backslash or a control character: no Go file name on Linux has one. */
const odd = (s: string): boolean => [...s].some((c) => c === '\\' || c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

/** The module file a profile's file name (with the function at that line) names, or why none. */
export function locateSource(fileName: string, fn: string, hints: SourceHints): Located {
  if (fileName === '' || fileName.length > 1024) return { ok: false, why: 'unknown', reason: 'the profile has no usable file name' };
  if (odd(fileName)) return { ok: false, why: 'invalid', reason: 'the file name has a backslash or a control character' };
  const cache = fileName.lastIndexOf('/pkg/mod/');
  if (cache >= 0) return moduleFile(fileName.slice(cache + '/pkg/mod/'.length), true);
  const found = fileName.startsWith('/') ? absolute(fileName, fn, hints) : relative(fileName, hints);
  if (found) return found;
  const main = hints.mainModule;
  return {
    ok: false,
    why: 'unknown',
    reason: main
      ? `${fileName} names no module@version, no standard library file and no file of ${main.path}`
      : `${fileName} names no module@version and no standard library file; for the main module's files the pod declares podprof.io/main-module`,
  };
}

function std(rel: string, hints: SourceHints): Located {
  if (hints.goVersion === undefined)
    return { ok: false, why: 'unknown', reason: `${rel} is the standard library's; its Go version is unknown (podprof.io/go-version)` };
  const go = parseGoVersion(hints.goVersion);
  if (!go.ok) return { ok: false, why: 'unknown', reason: `${rel} is the standard library's: ${go.reason}` };
  return checked('std', TOOLCHAIN_MODULE, `v0.0.1-${go.version}.linux-amd64`, `src/${rel}`);
}

/** The proxy's URL path of a module version's zip: <escaped module>/@v/<escaped version>.zip. */
export function zipPath(module: string, version: string): string {
  return `${escapePath(module)}/@v/${escapePath(version)}.zip`;
}

/** How a user reads where a file came from: github.com/x/y@v1.2.3/z.go. */
export function describeRef(ref: SourceRef): string {
  return `${ref.module}@${ref.version}/${ref.file}`;
}

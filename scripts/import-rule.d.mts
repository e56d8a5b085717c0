// Types of scripts/import-rule.mjs (plain JavaScript so eslint.config.js loads it as it is).
export interface Import {
  readonly specifier: string;
  readonly kind: 'value' | 'type' | 'dynamic';
}
export interface Edge extends Import {
  /** Repo-relative file for a relative import; the package name otherwise. */
  readonly target: string;
  readonly relative: boolean;
}
export type ImportGraph = ReadonlyMap<string, readonly Edge[]>;
export declare const MAY_IMPORT: Readonly<Record<string, readonly string[]>>;
export declare const PRODUCT: readonly string[];
export declare const FORBIDDEN_PACKAGES: ReadonlyArray<{
  program: string;
  entry: string;
  folders: readonly string[];
  packages: readonly string[];
}>;
export declare function importsOf(source: string, fileName?: string): Import[];
export declare function layerViolation(from: string, to: string): string | undefined;
export declare function packageViolation(from: string, specifier: string): string | undefined;
export declare function readGraph(root: string): Map<string, Edge[]>;
export declare function violations(graph: ImportGraph): string[];
export declare function cycles(graph: ImportGraph, within?: readonly string[]): string[];
export declare function loadedForbidden(graph: ImportGraph): string[];

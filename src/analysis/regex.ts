// User regexes (focus, ignore, hide, show, show_from, tag filters, peek) with
// RE2 semantics via re2js, as Go's regexp: unanchored search, linear time, so
// a pathological pattern such as (a+)+$ cannot hang the UI or the gateway.
import { RE2JS } from 're2js';

/** Tests whether a string contains a match (Go's Regexp.MatchString). */
export type Matcher = (s: string) => boolean;

export class RegexOptionError extends Error {
  override readonly name = 'RegexOptionError';
}

/** Compiles `pattern` for the option named `option`; errors read "parsing focus regexp: …" as pprof's do. */
export function compileRegex(option: string, pattern: string): Matcher {
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (err) {
    throw new RegexOptionError(`parsing ${option} regexp: ${(err as Error).message}`, { cause: err });
  }
  return (s) => re.test(s);
}

/** Like compileRegex, but undefined for an absent or empty option (pprof ignores those). */
export function optionalRegex(option: string, pattern: string | undefined): Matcher | undefined {
  return pattern === undefined || pattern === '' ? undefined : compileRegex(option, pattern);
}

/**
 * A regex matching exactly `name`, e.g. to focus on a clicked node: special
 * characters escaped as Go's regexp.QuoteMeta does, so the same `f=` value
 * works in a `go tool pprof` command line.
 */
export function exactNameRegex(name: string): string {
  return `^${name.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&')}$`;
}

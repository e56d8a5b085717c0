// The Node podprof needs, checked before anything else loads: the bundle uses
// Node 24 APIs (undici's zstd, among others), and an older Node would die with
// a stack trace deep inside a dependency instead of saying what is wrong.
// No imports, and syntax every Node since 12 parses.
export const NEEDED_MAJOR = 24;

/** The one-line message for an unsupported Node, or undefined when `version` (process.version) will do. */
export function unsupportedNode(version) {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  if (major >= NEEDED_MAJOR) return undefined;
  return (
    `podprof needs Node ${NEEDED_MAJOR} or newer; this is Node ${version} (${process.execPath}). ` +
    `In a checkout, \`npx podprof …\` and \`npm run …\` use the node@${NEEDED_MAJOR} devDependency from node_modules ` +
    `(npm ci installs it); or install Node ${NEEDED_MAJOR} (https://nodejs.org).`
  );
}

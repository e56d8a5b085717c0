// Function names shortened as pprof shortens them (internal/graph.ShortenFunctionName and
// internal/report.shortNameList): the package path goes, `pkg.Type.Method` stays, and a box too
// narrow for that takes the longest suffix after a `.` or `::` that fits. The full name is always
// one hover away; these are labels only, never keys.

const CPP_ANONYMOUS = /^\(anonymous namespace\)::/;
const GO_VERSION = /^(.*?)\/v(?:[2-9]|[1-9][0-9]+)([./].*)$/;
const GO = /^(?:[\w\-.]+\/)+([^.]+\..+)/;
const JAVA = /^(?:[a-z]\w*\.)*([A-Z][\w$]*\.(?:<init>|[a-z][\w$]*(?:\$\d+)?))(?:\(|$)/;
const CPP = /^(?:[_a-zA-Z]\w*::)+(_*[A-Z]\w*::~?[_a-zA-Z]\w*(?:<.*>)?)/;

/** pprof's ShortenFunctionName: `github.com/acme/svc/v2/store.(*DB).Get` → `store.(*DB).Get`. */
export function shortenFunctionName(name: string): string {
  const f = name.replace(CPP_ANONYMOUS, '').replace(GO_VERSION, '$1$2');
  for (const re of [GO, JAVA, CPP]) {
    const m = re.exec(f);
    if (m && m.length >= 2) return m.slice(1).join('');
  }
  return f;
}

/** pprof's shortNameList: the shortened name, then each suffix after a `.` or `::`, longest first. */
export function shortNameList(name: string): string[] {
  const short = shortenFunctionName(name);
  const out = [short];
  for (const m of short.matchAll(/::|\./g)) {
    const end = m.index + m[0].length;
    if (end < short.length) out.push(short.slice(end));
  }
  return out;
}

/**
 * The label for a box `fit` characters wide: the first of shortNameList that fits, else the shortest
 * cut with an ellipsis (pprof shrinks the font instead; a canvas of one font size cuts).
 */
export function fittingLabel(names: readonly string[], fit: number): string {
  for (const n of names) if (n.length <= fit) return n;
  const last = names[names.length - 1] ?? '';
  return `${last.slice(0, Math.max(fit - 1, 1))}…`;
}

// What a capture's page offers to take away: the profile (.pb.gz) or the
// trace (trace.out; a workload's, one per pod), the blocking profiles the
// gateway derived from a trace, the command that opens each, and a one-time
// link to this stored capture's file (go tool pprof reads what is on screen, not
// a new profile; a trace is fetched with curl and opened with go tool trace).
import { targetName } from '../../../src/api/describe.ts';
import type { CaptureMeta } from '../../../src/api/types.ts';
import { api, derivedUrl, dumpTextUrl, podFileUrl, profileUrl, traceUrl } from './api.ts';
import { button, copyText, h, notice, replace } from './dom.ts';

export function commandBox(label: string, text: string): HTMLElement {
  const code = h('code', { class: 'command' }, text);
  const b = button('Copy', () => void copyText(text).then((ok) => (b.textContent = ok ? 'Copied' : 'Select and copy')));
  return h('div', { class: 'command-box' }, h('span', { class: 'muted' }, label), code, b);
}

const safe = (name: string): string => name.replace(/[^A-Za-z0-9._-]/g, '_');

function fileBase(c: CaptureMeta): string {
  return `${c.namespace}-${c.target.selector !== undefined ? 'selector' : targetName(c.target)}-${c.type}-${c.id}`;
}

function profileDownload(c: CaptureMeta, links: HTMLElement): void {
  const file = safe(`${fileBase(c)}.pb.gz`);
  links.append(
    h('a', { href: profileUrl(c.id), download: file, class: 'button', id: 'download' }, 'Download .pb.gz'),
    commandBox('then', `go tool pprof -http=: ${file}`),
  );
}

/** The trace: trace.out of one pod, or each pod's of a workload; and the derived profiles. */
function traceDownloads(c: CaptureMeta, links: HTMLElement): void {
  const perPod = c.pods.filter((p) => p.file !== undefined && p.status === 'ok');
  if (c.file !== undefined || perPod.length === 0) {
    const file = safe(`${fileBase(c)}.trace.out`);
    links.append(
      h('a', { href: traceUrl(c.id), download: file, class: 'button', id: 'download' }, 'Download trace.out'),
      commandBox('then', `go tool trace ${file}`),
    );
  } else {
    const first = safe(`${fileBase(c)}-${perPod[0]!.pod}.trace.out`);
    links.append(
      h(
        'span',
        { class: 'pod-downloads', id: 'download' },
        'Download each pod’s trace: ',
        ...perPod.map((p) =>
          h('a', { href: podFileUrl(c.id, p.pod), download: safe(`${fileBase(c)}-${p.pod}.trace.out`), class: 'button' }, p.pod),
        ),
      ),
      commandBox('then', `go tool trace ${first}`),
    );
  }
  const profiles = (c.derived ?? []).filter((f) => f.endsWith('.pb.gz'));
  if (profiles.length > 0)
    links.append(
      h(
        'details',
        { class: 'derived' },
        h('summary', {}, 'Blocking profiles for go tool pprof'),
        ...profiles.map((f) => h('a', { href: derivedUrl(c.id, f), download: safe(`${fileBase(c)}-${f}`), class: 'button' }, f)),
      ),
    );
}

/** A link to this capture's one file, for go tool pprof (or curl + go tool trace): what the page shows. */
function oneTimeLink(c: CaptureMeta, links: HTMLElement): void {
  const isTrace = c.type === 'trace';
  const out = h('div', {});
  links.append(
    button(
      `One-time link for ${isTrace ? 'go tool trace' : 'go tool pprof'}`,
      () => {
        api.link({ capture: c.id }).then(
          (l) => replace(out, commandBox(`this capture, link valid once until ${new Date(l.expiresAt).toLocaleTimeString()}`, l.command)),
          (e: Error) => replace(out, notice('error', 'No link', e.message)),
        );
      },
      {
        id: 'make-link',
        title: isTrace
          ? 'a URL curl fetches this trace from once; go tool trace opens it'
          : 'a URL go tool pprof opens this capture from once',
      },
    ),
    out,
  );
}

/** A goroutine dump: the text Go wrote, one pod's or each pod's of a workload. */
function dumpDownloads(c: CaptureMeta, links: HTMLElement): void {
  const perPod = c.pods.filter((p) => p.file !== undefined && p.status === 'ok');
  if (c.file !== undefined)
    links.append(
      h(
        'a',
        { href: dumpTextUrl(c.id), download: safe(`${fileBase(c)}.goroutines.txt`), class: 'button', id: 'download' },
        'Download the dump (text)',
      ),
    );
  else
    links.append(
      h(
        'span',
        { class: 'pod-downloads', id: 'download' },
        'Download each pod’s dump: ',
        ...perPod.map((p) =>
          h('a', { href: podFileUrl(c.id, p.pod), download: safe(`${fileBase(c)}-${p.pod}.goroutines.txt`), class: 'button' }, p.pod),
        ),
      ),
    );
}

export function downloads(c: CaptureMeta, links: HTMLElement): void {
  if (c.status !== 'running' && c.status !== 'failed' && c.debug === 2) {
    // A dump is text for people, not a file go tool pprof opens: no one-time link.
    dumpDownloads(c, links);
    return;
  }
  if (c.status !== 'running' && c.status !== 'failed') {
    if (c.type === 'trace') traceDownloads(c, links);
    else profileDownload(c, links);
  }
  // A failed or running capture has nothing to link to; a workload's traces are one file per pod.
  if (c.status !== 'running' && c.status !== 'failed' && c.file !== undefined) oneTimeLink(c, links);
}

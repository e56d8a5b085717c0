// A profile file opened in this page (dropped anywhere, or picked on /local):
// read here, decoded and analysed by the analysis worker like a capture, and
// never sent anywhere unless the user presses "Store as a capture" (POST
// /api/v1/captures/upload into a namespace they name; the gateway checks RBAC).
// It lives in this tab's memory: a reload forgets it. Every profile view works
// on it under /local/<view>; the Source view lists lines without fetching code.
import { ApiError } from '../../../src/api/error.ts';
import type { CaptureMeta } from '../../../src/api/types.ts';
import { profileTypeOf } from '../../../src/profile/type-of.ts';
import { openLocalFile } from './analysis-client.ts';
import { api } from './api.ts';
import { button, h, notice, replace } from './dom.ts';
import { bytes as formatBytes, TYPE_LABEL } from './format-ui.ts';
import { openProfile } from './profile-page.ts';
import { navigate, readParams, type ProfileViewName } from './state.ts';

/** Largest file opened (the gateway's default --max-profile-bytes is 64 MiB; a local file may be larger, not unbounded). */
export const MAX_LOCAL_BYTES = 256 * 1024 ** 2;

interface LocalFile {
  readonly id: string;
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly sampleTypes: readonly string[];
}

let current: LocalFile | undefined;
/** What the last open said (an error), or the file being decoded; shown on /local. */
let status: { readonly kind: 'error' | 'info'; readonly title: string; readonly text: string } | undefined;
let opened = 0;

/** Reads, checks and decodes `file` in the worker; then shows its Top view, or /local with why it cannot be read. */
export async function openLocal(file: File): Promise<void> {
  status = { kind: 'info', title: `Reading ${file.name}…`, text: 'Decoded in this browser; nothing is sent to the gateway.' };
  navigate('/local');
  if (file.size > MAX_LOCAL_BYTES) {
    status = {
      kind: 'error',
      title: `${file.name} is too large`,
      text: `It holds ${formatBytes(file.size)}; podprof opens files up to ${formatBytes(MAX_LOCAL_BYTES)}.`,
    };
    navigate('/local', true);
    return;
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  const id = `local:${++opened}`;
  const a = await openLocalFile(id, bytes);
  if (!a.ok) {
    status = { kind: 'error', title: `${file.name} is not a profile podprof can read`, text: a.message };
    navigate('/local', true);
    return;
  }
  current = { id, name: file.name, bytes, sampleTypes: a.sampleTypes };
  status = undefined;
  navigate('/local/top', true);
}

function picker(): HTMLElement {
  const input = h('input', { type: 'file', id: 'local-file', accept: '.pb.gz,.pb,.gz,.pprof,application/gzip,application/octet-stream' });
  input.addEventListener('change', () => {
    const f = input.files?.[0];
    if (f) void openLocal(f);
  });
  return h(
    'div',
    { class: 'drop-zone', id: 'drop-zone' },
    h('p', {}, h('strong', {}, 'Drop a .pb.gz (or .pb) profile anywhere on the page'), ', or choose one: ', input),
    h(
      'p',
      { class: 'hint' },
      'It is decoded and analysed in this browser only, by the same code as a stored capture; nothing is sent to the gateway unless you press “Store as a capture”. Reloading the page forgets it.',
    ),
  );
}

/** The capture-like description of the open file the profile views work with. */
function metaOf(f: LocalFile): CaptureMeta {
  return {
    id: f.id,
    user: '',
    createdAt: new Date().toISOString(),
    namespace: '',
    target: { upload: f.name },
    type: profileTypeOf(f.sampleTypes),
    status: 'done',
    pods: [],
    bytes: f.bytes.length,
  };
}

/** The explicit upload: a namespace the user names (offered: those they see pods in), then POST /api/v1/captures/upload. */
function storeForm(f: LocalFile): HTMLElement {
  const ns = h('input', { id: 'store-namespace', list: 'store-namespaces', placeholder: 'namespace', size: 18, 'aria-label': 'Namespace' });
  const options = h('datalist', { id: 'store-namespaces' });
  void api.pods().then(
    (r) => {
      const names = [...new Set(r.items.map((p) => p.namespace))].sort();
      options.replaceChildren(...names.map((n) => h('option', { value: n })));
      if (ns.value === '' && names[0]) ns.value = names[0];
    },
    () => undefined,
  );
  const said = h('span', { class: 'store-status', role: 'status' });
  const store = button(
    'Store as a capture',
    () => {
      if (ns.value.trim() === '') {
        said.textContent = 'Name the namespace to store it in.';
        return;
      }
      store.disabled = true;
      said.textContent = 'Uploading…';
      api.upload(ns.value.trim(), f.name, f.bytes).then(
        (c) => navigate(`/captures/${encodeURIComponent(c.id)}`),
        (err: Error) => {
          store.disabled = false;
          said.textContent = err instanceof ApiError ? `${err.message}${err.hint ? ` — ${err.hint}` : ''}` : err.message;
          said.dataset.error = err instanceof ApiError ? err.code : 'error';
        },
      );
    },
    { id: 'store-local', title: 'upload this file to the gateway as a capture in the namespace (RBAC: create captures/upload there)' },
  );
  return h('div', { class: 'store-form' }, h('label', {}, 'Store in namespace ', ns), options, ' ', store, ' ', said);
}

function header(f: LocalFile): HTMLElement {
  const type = profileTypeOf(f.sampleTypes);
  return h(
    'div',
    { class: 'capture-head local-head' },
    h('h1', {}, `${TYPE_LABEL[type] ?? type} · local file ${f.name}`),
    h(
      'p',
      { class: 'muted', id: 'local-note' },
      `${formatBytes(f.bytes.length)} · analysed in this browser only: nothing has been sent to the gateway. `,
      button('Open another file', () => {
        current = undefined;
        navigate('/local');
      }),
    ),
    storeForm(f),
  );
}

/** /local (the picker) and /local/<view> (the open file's views). */
export function localPage(main: HTMLElement, view: ProfileViewName | undefined): () => void {
  let stopped = false;
  let dispose: (() => void) | undefined;
  const f = current;
  if (!f || view === undefined) {
    replace(
      main,
      h('div', { class: 'page-head' }, h('h1', {}, 'Open a local profile')),
      status ? notice(status.kind, status.title, status.text) : null,
      !status && view !== undefined
        ? notice('info', 'No file is open', 'A local file lives in the tab that opened it; open it again.')
        : null,
      status?.kind === 'info' ? null : picker(),
    );
    return () => undefined;
  }
  replace(main, header(f));
  void openProfile(main, metaOf(f), view, readParams(location.search), { local: true }, () => stopped).then((d) => {
    dispose = d;
    if (stopped) d?.();
  });
  return () => {
    stopped = true;
    dispose?.();
  };
}

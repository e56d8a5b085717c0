// The only way the UI makes DOM: elements with attributes and text children.
// Strings always become text nodes (never parsed as markup), event handlers
// are functions, and attribute names starting with "on" are refused, so
// untrusted profile contents (function names, files, labels) stay text.
type Child = Node | string | number | null | undefined | false;
type AttrValue = string | number | boolean | undefined | null;

export interface Props {
  readonly [name: string]: AttrValue | EventListener | Record<string, EventListener> | undefined;
}

/** Only same-origin paths and fragments as links: never a scheme a profile could choose. */
function checkAttr(k: string, v: unknown): string {
  if (/^on/i.test(k) || (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean'))
    throw new Error(`refusing attribute ${k}`);
  const text = v === true ? '' : String(v);
  if ((k === 'href' || k === 'src') && !/^(\/(?!\/)|#)/.test(text)) throw new Error(`refusing ${k} ${text}`);
  return text;
}

function setAttrs(el: Element, props: Props): void {
  for (const [k, v] of Object.entries(props)) {
    if (k === 'on' && v && typeof v === 'object') {
      for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
      continue;
    }
    if (v === undefined || v === null || v === false) continue;
    el.setAttribute(k, checkAttr(k, v));
  }
}

export function append(el: Element, children: readonly Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  setAttrs(el, props);
  append(el, children);
  return el;
}

const SVG = 'http://www.w3.org/2000/svg';

/** An SVG element, with the same rules as h() (text children stay text, no handlers as attributes). */
export function svg<K extends keyof SVGElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  setAttrs(el, props);
  append(el, children);
  return el;
}

/** Replaces every child of `el`. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** A button with a click handler. */
export function button(label: string, onClick: (e: MouseEvent) => void, props: Props = {}): HTMLButtonElement {
  const b = h('button', { type: 'button', ...props }, label);
  b.addEventListener('click', onClick);
  return b;
}

/** A block explaining why a view is empty, or what went wrong. */
export function notice(kind: 'empty' | 'error' | 'info', title: string, ...lines: string[]): HTMLElement {
  return h(
    'div',
    { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    h('strong', {}, title),
    ...lines.map((l) => h('p', {}, l)),
  );
}

export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

// Graphviz's SVG, rebuilt element by element from an allowlist: shapes, groups
// and text only. No <a>, <script>, <foreignObject>, <use>, <image>, <style>; no
// href / xlink:href / event / style attributes; attribute values with markup,
// url() or javascript: are dropped; text is set with textContent. What comes
// out can hold no link and run no script, whatever the profile's names say.
const SVG_NS = 'http://www.w3.org/2000/svg';
const ELEMENTS = new Set(['svg', 'g', 'title', 'polygon', 'polyline', 'path', 'ellipse', 'circle', 'rect', 'line', 'text']);
const ATTRIBUTES = new Set([
  'viewBox',
  'width',
  'height',
  'points',
  'd',
  'fill',
  'stroke',
  'stroke-width',
  'stroke-dasharray',
  'cx',
  'cy',
  'rx',
  'ry',
  'r',
  'x',
  'y',
  'x1',
  'y1',
  'x2',
  'y2',
  'transform',
  'text-anchor',
  'font-family',
  'font-size',
  'font-weight',
  'font-style',
  'class',
  'id',
  'fill-opacity',
  'stroke-opacity',
  'opacity',
]);
const SAFE_VALUE = /^[^<>"'`\\]*$/;
const BAD_VALUE = /javascript:|url\s*\(|expression\s*\(|data:/i;

function copyAttributes(from: Element, to: Element): void {
  for (const a of from.attributes) {
    if (a.namespaceURI !== null || !ATTRIBUTES.has(a.name) || !SAFE_VALUE.test(a.value) || BAD_VALUE.test(a.value)) continue;
    to.setAttribute(a.name, a.value);
  }
}

function copy(src: Element, parent: Element): void {
  for (const child of src.childNodes) {
    if (child.nodeType === Node.TEXT_NODE) {
      if (src.localName === 'text' || src.localName === 'title') parent.append(document.createTextNode(child.textContent ?? ''));
      continue;
    }
    if (child.nodeType !== Node.ELEMENT_NODE) continue;
    const el = child as Element;
    // A link's contents are kept, the link itself is not.
    if (el.localName === 'a') {
      copy(el, parent);
      continue;
    }
    if (!ELEMENTS.has(el.localName) || el.namespaceURI !== SVG_NS) continue;
    const out = document.createElementNS(SVG_NS, el.localName);
    copyAttributes(el, out);
    if (el.localName === 'text' || el.localName === 'title') out.textContent = el.textContent ?? '';
    else copy(el, out);
    parent.append(out);
  }
}

/** The sanitized <svg> element (detached), or undefined when `markup` holds no SVG root. */
export function sanitizeSvg(markup: string): SVGSVGElement | undefined {
  const doc = new DOMParser().parseFromString(markup, 'image/svg+xml');
  const root = doc.documentElement;
  if (root.localName !== 'svg' || root.namespaceURI !== SVG_NS) return undefined;
  const holder = document.createElementNS(SVG_NS, 'g');
  const svg = document.createElementNS(SVG_NS, 'svg');
  for (const a of ['viewBox', 'width', 'height']) {
    const v = root.getAttribute(a);
    if (v !== null && SAFE_VALUE.test(v) && !BAD_VALUE.test(v)) svg.setAttribute(a, v);
  }
  copy(root, holder);
  svg.append(...holder.childNodes);
  return svg;
}

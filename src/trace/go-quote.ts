// Go's strconv.Quote (what fmt's %q prints), for text that must read as Go
// prints it. Printable runes stay as they are (Go's unicode.IsPrint: letters,
// marks, numbers, punctuation, symbols and the ASCII space); the rest are
// escaped as Go escapes them. The trace's strings are decoded from UTF-8 with
// replacement, so a byte that is not UTF-8 shows as U+FFFD here where Go
// would print \x and the byte. Pure.

const PRINTABLE = /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u;
const SIMPLE = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const ESCAPES: Readonly<Record<string, string>> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '"': '\\"',
  '\\': '\\\\',
};

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');

function escape(ch: string): string {
  const known = ESCAPES[ch];
  if (known !== undefined) return known;
  const cp = ch.codePointAt(0)!;
  if (cp < 0x80) return cp >= 0x20 && cp < 0x7f ? ch : `\\x${hex(cp, 2)}`;
  if (PRINTABLE.test(ch)) return ch;
  return cp < 0x10000 ? `\\u${hex(cp, 4)}` : `\\U${hex(cp, 8)}`;
}

export function goQuote(s: string): string {
  if (SIMPLE.test(s)) return `"${s}"`;
  let out = '"';
  for (const ch of s) out += escape(ch);
  return `${out}"`;
}

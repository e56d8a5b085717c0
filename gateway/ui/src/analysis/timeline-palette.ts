// The timeline's colours: a hue per goroutine start function for the P lanes,
// then one colour per goroutine state and GC phase, each with the band of the
// lane it fills (a wait is a thin line, a running span the whole lane) and a
// priority (what wins a pixel several spans share). Light and dark. Pure.
import { G_SPAN } from '../../../../src/trace/timeline.ts';

export const GOROUTINE_HUES = 24;

export const COLOUR = {
  Running: GOROUTINE_HUES,
  Runnable: GOROUTINE_HUES + 1,
  Waiting: GOROUTINE_HUES + 2,
  Syscall: GOROUTINE_HUES + 3,
  SyscallBlocked: GOROUTINE_HUES + 4,
  ProcSyscall: GOROUTINE_HUES + 5,
  Mark: GOROUTINE_HUES + 6,
  STW: GOROUTINE_HUES + 7,
  Sweep: GOROUTINE_HUES + 8,
  Assist: GOROUTINE_HUES + 9,
} as const;
export const COLOURS = GOROUTINE_HUES + 10;

export interface Swatch {
  readonly fill: string;
  /** The band of the lane it fills, as fractions of the lane's height. */
  readonly top: number;
  readonly height: number;
  /** What wins a pixel shared by spans of several colours. */
  readonly priority: number;
}

/** A goroutine span kind's colour. */
export function goroutineColour(kind: number): number {
  switch (kind) {
    case G_SPAN.Running:
      return COLOUR.Running;
    case G_SPAN.Runnable:
      return COLOUR.Runnable;
    case G_SPAN.Syscall:
      return COLOUR.Syscall;
    case G_SPAN.SyscallBlocked:
      return COLOUR.SyscallBlocked;
    default:
      return COLOUR.Waiting;
  }
}

export function palette(dark: boolean): Swatch[] {
  const full = (fill: string, priority: number): Swatch => ({ fill, top: 0, height: 1, priority });
  const out: Swatch[] = [];
  for (let h = 0; h < GOROUTINE_HUES; h++) out.push(full(`hsl(${Math.round((h * 360) / GOROUTINE_HUES)} 55% ${dark ? 45 : 62}%)`, 5));
  out[COLOUR.Running] = full(dark ? '#3fae5a' : '#2e9e4a', 5);
  out[COLOUR.Runnable] = { fill: dark ? '#c9a227' : '#f0c040', top: 0.3, height: 0.7, priority: 2 };
  out[COLOUR.Waiting] = { fill: dark ? '#4b5563' : '#c5cbd3', top: 0.42, height: 0.16, priority: 1 };
  out[COLOUR.Syscall] = full(dark ? '#e07b39' : '#e8843c', 4);
  out[COLOUR.SyscallBlocked] = { fill: dark ? '#b8502a' : '#c0582e', top: 0.2, height: 0.8, priority: 3 };
  out[COLOUR.ProcSyscall] = full(dark ? '#e07b39' : '#e8843c', 5);
  out[COLOUR.Mark] = full(dark ? '#6b4fa0' : '#c7b3ea', 1);
  out[COLOUR.STW] = full(dark ? '#e05252' : '#d93636', 2);
  out[COLOUR.Sweep] = { fill: dark ? '#2aa198' : '#1f9e94', top: 0.8, height: 0.2, priority: 1 };
  out[COLOUR.Assist] = { fill: dark ? '#a98be0' : '#7a52c7', top: 0, height: 0.22, priority: 1 };
  return out;
}

/** The rest of the canvas: background, text, lines, the gutter, the outline of the span under the pointer. */
export function chrome(dark: boolean): {
  bg: string;
  text: string;
  muted: string;
  line: string;
  gutter: string;
  outline: string;
  stw: string;
} {
  return dark
    ? {
        bg: '#16181b',
        text: '#e6e6e6',
        muted: '#9aa0a6',
        line: '#33373c',
        gutter: '#1f2226',
        outline: '#ffffff',
        stw: 'rgba(224,82,82,0.14)',
      }
    : {
        bg: '#ffffff',
        text: '#1b1b1b',
        muted: '#666666',
        line: '#dddddd',
        gutter: '#f6f6f6',
        outline: '#000000',
        stw: 'rgba(217,54,54,0.10)',
      };
}

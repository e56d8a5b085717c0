// What a real node's pods and kubelet logged, as lines the tests can search: each
// container's output from the kubelet's files (podLogsDir/<ns>_<pod>_<uid>/<container>/<restart>.log,
// CRI format: "<time> <stream> <F|P> <text>") as "[ns/pod/container] text", and the kubelet's
// own log. Files are read from where the last read stopped, every 250 ms and whenever
// catchUp() is called, so the lines of a pod the kubelet has since removed are kept.
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';

export interface NodeLogs {
  /** Reads what was written since the last read (synchronously). */
  catchUp(): void;
  /** One container's lines so far (it catches up first). */
  of(namespace: string, pod: string, container: string): readonly string[];
  stop(): void;
}

interface Source {
  label: string;
  cri: boolean;
  offset: number;
  rest: Buffer;
  partial: string;
  lines: string[];
}

const CRI_LINE = /^\S+ (?:stdout|stderr) (\S+) (.*)$/;

export function tailNodeLogs(o: { podLogsDir: string; kubeletLog: string; onLine: (line: string) => void }): NodeLogs {
  const sources = new Map<string, Source>();
  const byContainer = new Map<string, string[]>();

  const source = (file: string, label: string, cri: boolean): Source => {
    let s = sources.get(file);
    if (s === undefined) {
      let lines = byContainer.get(label);
      if (lines === undefined) byContainer.set(label, (lines = []));
      s = { label, cri, offset: 0, rest: Buffer.alloc(0), partial: '', lines };
      sources.set(file, s);
    }
    return s;
  };

  const emit = (s: Source, raw: string): void => {
    let text = raw;
    if (s.cri) {
      const m = CRI_LINE.exec(raw);
      if (m === null) return;
      if (m[1]!.split(':').includes('P')) {
        s.partial += m[2]!;
        return;
      }
      text = s.partial + m[2]!;
      s.partial = '';
      s.lines.push(text);
      o.onLine(`[${s.label}] ${text}`);
    } else o.onLine(text);
  };

  const read = (file: string, s: Source): void => {
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch {
      return; // removed
    }
    try {
      const size = fstatSync(fd).size;
      if (size < s.offset) s.offset = 0; // rotated
      if (size === s.offset) return;
      const buf = Buffer.alloc(size - s.offset);
      const n = readSync(fd, buf, 0, buf.length, s.offset);
      s.offset += n;
      const text = Buffer.concat([s.rest, buf.subarray(0, n)]);
      const end = text.lastIndexOf(0x0a);
      s.rest = Buffer.from(text.subarray(end + 1));
      if (end >= 0) for (const line of text.subarray(0, end).toString('utf8').split('\n')) emit(s, line);
    } finally {
      closeSync(fd);
    }
  };

  const list = (dir: string): string[] => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  };

  const catchUp = (): void => {
    if (existsSync(o.kubeletLog)) read(o.kubeletLog, source(o.kubeletLog, 'kubelet', false));
    for (const podDir of list(o.podLogsDir)) {
      const [namespace, pod] = podDir.split('_');
      for (const container of list(join(o.podLogsDir, podDir))) {
        const files = list(join(o.podLogsDir, podDir, container)).filter((f) => /^\d+\.log$/.test(f));
        for (const f of files.sort((x, y) => parseInt(x) - parseInt(y))) {
          const file = join(o.podLogsDir, podDir, container, f);
          read(file, source(file, `${namespace}/${pod}/${container}`, true));
        }
      }
    }
  };

  const timer = setInterval(catchUp, 250);
  timer.unref();
  return {
    catchUp,
    of: (namespace, pod, container) => {
      catchUp();
      return byContainer.get(`${namespace}/${pod}/${container}`) ?? [];
    },
    stop: () => clearInterval(timer),
  };
}

// Synthetic sidecars for the scrape benchmark, in their own process: pod i's
// sidecar listens on 127.1.<i/250>.<i%250+1>:8443 (loopback), with one
// certificate naming every pod IP, signed by the CA the gateway trusts. Each
// answers /debug/pprof/<type> with bytes of a real Go profile of that type —
// a CPU profile after the `seconds` asked, and, like podprof's sidecar (Go has
// one CPU profiler), a 429 while that pod's previous CPU capture still runs.
// They do not verify the token: the sidecar's own cost is the same whichever
// way a scrape arrives, and this benchmark weighs the gateway.
//
// argv: COUNT CERT KEY PROFILE_DIR. Prints "ready" once every server listens;
// its counts so far as a JSON line on SIGUSR2, and on SIGTERM before it exits.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { join } from 'node:path';

export const sidecarIp = (i: number): string => `127.1.${Math.floor(i / 250)}.${(i % 250) + 1}`;
export const SIDECAR_PORT = 8443;
export const SCRAPE_TYPES = ['profile', 'heap', 'goroutine', 'block', 'mutex'] as const;

async function main(): Promise<void> {
  const [count, certFile, keyFile, profileDir] = process.argv.slice(2);
  const cert = readFileSync(certFile!);
  const key = readFileSync(keyFile!);
  const bodies = new Map(SCRAPE_TYPES.map((t) => [t as string, readFileSync(join(profileDir!, t))]));
  /** handshakes: TLS connections accepted (a scrape opens one when its pod's last connection idled out). */
  const counts = { served: 0, refused: 0, unknown: 0, handshakes: 0 };
  const servers = Array.from({ length: Number(count) }, () => {
    let cpuBusy = false;
    return createServer({ cert, key, keepAliveTimeout: 65_000 /* as podprof's sidecar */ }, (req, res) => {
      const url = new URL(req.url ?? '/', 'https://x');
      const type = url.pathname.replace('/debug/pprof/', '');
      const body = bodies.get(type);
      if (body === undefined || !url.pathname.startsWith('/debug/pprof/')) {
        counts.unknown++;
        res.writeHead(404).end();
        return;
      }
      const send = (): void => {
        counts.served++;
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length) }).end(body);
      };
      if (type !== 'profile') return send();
      if (cpuBusy) {
        counts.refused++;
        res.writeHead(429, { 'content-type': 'text/plain', 'retry-after': '1' }).end('a CPU capture is already running\n');
        return;
      }
      cpuBusy = true;
      const timer = setTimeout(
        () => {
          cpuBusy = false;
          send();
        },
        Number(url.searchParams.get('seconds') ?? '30') * 1000,
      );
      res.once('close', () => {
        if (res.writableFinished) return;
        clearTimeout(timer); // the caller went away mid-capture
        cpuBusy = false;
      });
    });
  });
  for (const s of servers) s.on('secureConnection', () => counts.handshakes++);
  await Promise.all(
    servers.map(
      (s, i) => new Promise<void>((resolve, reject) => s.once('error', reject).listen(SIDECAR_PORT, sidecarIp(i), () => resolve())),
    ),
  );
  process.stdout.write('ready\n');
  process.on('SIGUSR2', () => process.stdout.write(`${JSON.stringify(counts)}\n`));
  process.once('SIGTERM', () => {
    process.stdout.write(`${JSON.stringify(counts)}\n`, () => process.exit(0));
  });
}

if (process.argv[1]?.endsWith('sidecars.ts')) await main();

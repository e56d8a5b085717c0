// `podprof demo`: runs demo/ (a gateway, sidecars and demo apps on this
// machine), prints the URL and token to use, and stops everything on Ctrl-C.
import { Writable } from 'node:stream';
import { helpText, parseFlags } from '../src/config/flags.ts';
import { createLogger } from '../src/log.ts';
import { DEMO_FLAGS, startDemo } from '../demo/demo.ts';

export async function runDemo(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help')) {
    process.stdout.write(
      helpText('demo', 'Runs a gateway, sidecars and demo apps on this machine and prints the URL and token to use.', DEMO_FLAGS),
    );
    return 0;
  }
  const c = parseFlags(DEMO_FLAGS, argv);
  const quiet = new Writable({ write: (_c, _e, cb) => cb() });
  const log =
    c['log-level'] === 'silent'
      ? createLogger('podprof-demo', { destination: quiet })
      : createLogger('podprof-demo', { level: c['log-level'] });
  const demo = await startDemo(c, log);
  const { url, token } = demo;
  process.stdout.write(`
podprof demo is running: ${demo.pods} pod(s) in namespace "demo", each a ${demo.kind === 'node' ? 'Node app (no Go on PATH: CPU and heap profiles)' : 'Go app serving net/http/pprof'} behind a podprof sidecar.

  open      ${url}/   (self-signed certificate; log in with the token below)
  token     ${token}

  curl -sk -H "Authorization: Bearer ${token}" ${url}/api/v1/pods
  curl -sk -H "Authorization: Bearer ${token}" -o cpu.pb.gz "${url}/api/v1/namespaces/demo/pods/${demo.first}/debug/pprof/profile?seconds=5"
  go tool pprof -top cpu.pb.gz

Ctrl-C stops everything.
`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  process.stdout.write('stopping…\n');
  await demo.close();
  return 0;
}

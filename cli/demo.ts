// `podprof demo`: runs demo/ (a gateway, sidecars and demo apps on this
// machine), prints the URL and token to use, and stops everything on Ctrl-C.
import { Writable } from 'node:stream';
import { helpText, parseFlags } from '../src/config/flags.ts';
import { createLogger } from '../src/log.ts';
import { shellWord } from '../src/api/link-command.ts';
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
  const ca = shellWord(demo.caFile);
  const pod = `demo/${demo.first}`;
  process.stdout.write(`
podprof demo is running: ${demo.pods} pod(s) in namespace "demo", each a ${demo.kind === 'node' ? 'Node app (no Go on PATH: CPU and heap profiles)' : 'Go app serving net/http/pprof'} behind a podprof sidecar.

  open      ${url}/   (log in with the token below; the browser does not know the demo's CA: accept its warning)
  token     ${token}
  CA        ${demo.caFile}   (signs the gateway's certificate)
  folder    ${demo.dir}   (locked while this demo runs; another demo needs --dir and --port)

The CLI (every flag also reads PODPROF_<FLAG>):
  export PODPROF_GATEWAY=${url} PODPROF_TOKEN=${token} PODPROF_CA_FILE=${ca}
  npx podprof capture ${pod} --seconds 5 -o cpu.pb.gz && go tool pprof -top cpu.pb.gz
  npx podprof capture -n demo deployment/demo-app --type heap -o heap.pb.gz
  npx podprof link ${pod} --type heap      # a one-time URL and its command: SSL_CERT_FILE=${ca} go tool pprof -tls_ca=${ca} -http=: 'https://pprof:…@…'

curl:
  curl --cacert ${ca} -H "Authorization: Bearer ${token}" ${url}/api/v1/pods
  curl --cacert ${ca} -H "Authorization: Bearer ${token}" -o cpu.pb.gz "${url}/api/v1/namespaces/demo/pods/${demo.first}/debug/pprof/profile?seconds=5"

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

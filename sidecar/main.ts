// `podprof sidecar`: parse flags, start, stop gracefully on SIGTERM/SIGINT.
import { ConfigError, helpText, parseFlags } from '../src/config/flags.ts';
import { createLogger } from '../src/log.ts';
import { SIDECAR_FLAGS, sidecarConfigProblems } from './config.ts';
import { startSidecar } from './server.ts';

const SUMMARY = "Guards one pod's loopback net/http/pprof: HTTPS, gateway-signed pod-bound tokens, a parameter policy and single-flight CPU/trace captures.";

export async function runSidecar(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(helpText('sidecar', SUMMARY, SIDECAR_FLAGS));
    return 0;
  }
  const config = parseFlags(SIDECAR_FLAGS, argv);
  const problems = sidecarConfigProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);
  const log = createLogger('podprof-sidecar', { level: config['log-level'] });
  const sidecar = await startSidecar(config, log);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      log.info({ signal, graceMs: config['shutdown-grace'] }, 'shutting down: finishing in-flight captures');
      void sidecar.close().then(resolve);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  log.info('sidecar stopped');
  return 0;
}

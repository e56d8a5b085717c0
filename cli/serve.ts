// The shape every long-running podprof command shares: --help, flags validated
// once (every bad key named), start, then stop gracefully on SIGTERM/SIGINT:
// in-flight requests get --shutdown-grace to finish.
import { ConfigError, helpText, parseFlags, type ConfigOf, type FlagTable } from '../src/config/flags.ts';
import { createLogger, type Logger } from '../src/log.ts';
import type { ServingConfig, ServingFlags } from '../src/serving/config.ts';

/** A server's flags: its own, and the serving flags every server shares (--log-level, --shutdown-grace, …). */
export interface ServeSpec<F extends FlagTable & ServingFlags> {
  readonly command: string;
  readonly summary: string;
  readonly flags: F;
  readonly problems: (c: ConfigOf<F>) => string[];
  readonly start: (c: ConfigOf<F>, log: Logger) => Promise<{ close(graceMs: number): Promise<void> }>;
}

export async function serve<F extends FlagTable & ServingFlags>(spec: ServeSpec<F>, argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(helpText(spec.command, spec.summary, spec.flags));
    return 0;
  }
  const config = parseFlags(spec.flags, argv);
  const problems = spec.problems(config);
  if (problems.length > 0) throw new ConfigError(problems);
  // F includes the serving flags, so its config has their values; TypeScript cannot see that through the generic.
  const serving = config as unknown as Pick<ServingConfig, 'log-level' | 'shutdown-grace'>;
  const log = createLogger(`podprof-${spec.command}`, { level: serving['log-level'] });
  const running = await spec.start(config, log);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      log.info({ signal }, 'shutting down');
      void running.close(serving['shutdown-grace']).then(resolve);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  log.info(`${spec.command} stopped`);
  return 0;
}

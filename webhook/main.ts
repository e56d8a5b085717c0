// `podprof webhook`: parse flags, start, stop on SIGTERM/SIGINT.
import { ConfigError, helpText, parseFlags } from '../src/config/flags.ts';
import { createLogger } from '../src/log.ts';
import { WEBHOOK_FLAGS, webhookConfigProblems } from './config.ts';
import { startWebhook } from './server.ts';

const SUMMARY = 'The mutating admission webhook: injects the podprof sidecar into pods that opt in (podprof.io/inject: "true").';

export async function runWebhook(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(helpText('webhook', SUMMARY, WEBHOOK_FLAGS));
    return 0;
  }
  const config = parseFlags(WEBHOOK_FLAGS, argv);
  const problems = webhookConfigProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);
  const log = createLogger('podprof-webhook', { level: config['log-level'] });
  const webhook = await startWebhook(config, log);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      log.info({ signal }, 'shutting down');
      void webhook.close().then(resolve);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  return 0;
}

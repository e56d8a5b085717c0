// `podprof webhook`.
import { serve } from './serve.ts';
import { WEBHOOK_FLAGS, webhookConfigProblems } from '../webhook/config.ts';
import { startWebhook } from '../webhook/server.ts';

export async function runWebhook(argv: readonly string[]): Promise<number> {
  if (argv[0] === 'certs') return (await import('./webhook-certs.ts')).runWebhookCerts(argv.slice(1));
  return serve(
    {
      command: 'webhook',
      summary: 'The mutating admission webhook: injects the podprof sidecar into pods that opt in (podprof.io/inject: "true").',
      flags: WEBHOOK_FLAGS,
      problems: webhookConfigProblems,
      start: startWebhook,
    },
    argv,
  );
}

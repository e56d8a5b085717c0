// The worker thread's entry (dist/profile-worker.js in the bundle): runs one
// profile job per message and answers with its result or its error's text.
import { parentPort } from 'node:worker_threads';
import { ProfileError } from '../../src/profile/error.ts';
import { runProfileJob, type ProfileJob } from './profile-jobs.ts';

parentPort?.on('message', (msg: { id: number; job: ProfileJob }) => {
  runProfileJob(msg.job).then(
    (result) => parentPort?.postMessage({ id: msg.id, result }),
    (err: unknown) =>
      parentPort?.postMessage({
        id: msg.id,
        error: { message: err instanceof Error ? err.message : String(err), profile: err instanceof ProfileError },
      }),
  );
});

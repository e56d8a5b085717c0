// The demo's app: the Go program from test/fixtures/target (real net/http/pprof),
// built with the machine's Go and cached.
import { startGoTarget } from '../../test/support/go-fixture.ts';

export interface DemoTarget {
  readonly url: string;
  stop(): Promise<void>;
}

export async function startDemoTarget(): Promise<DemoTarget> {
  try {
    return await startGoTarget({ listen: '127.0.0.1:0' });
  } catch (err) {
    throw new Error(`the demo app is a Go program and needs Go on PATH to build it: ${(err as Error).message.split('\n')[0] ?? ''}`, { cause: err });
  }
}

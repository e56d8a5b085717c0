// The real S3-compatible server the replicated-store tests run: versitygw
// (github.com/versity/versitygw, Apache-2.0) with its posix backend, built
// from the Go module proxy into the podprof cache once per version and Go
// version (`npm run versitygw:build`, a step of .ci/run): CGO off, stripped,
// -trimpath (buildModule's defaults). docs/adr/0008-versitygw-for-the-replicated-capture-store.md says why this server.
import { buildModule } from '../scrapers/go-module.ts';

export const VERSITYGW_VERSION = 'v1.8.0';

export function buildVersitygw(): Promise<string> {
  return buildModule({
    name: 'versitygw',
    module: 'github.com/versity/versitygw',
    version: VERSITYGW_VERSION,
    pkg: './cmd/versitygw',
    ldflags: `-w -s -X main.Version=${VERSITYGW_VERSION}`,
  });
}

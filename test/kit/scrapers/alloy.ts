// Grafana Alloy (github.com/grafana/alloy v1.10.0, Apache-2.0) for the Alloy
// test: its own runtime, config parser and services with the three components
// podprof's config uses (test/fixtures/podprof-alloy/main.go, built inside the
// module so it may import Alloy's internal packages). The full `alloy` binary
// is not built: its main links every component Alloy has, hundreds of modules
// this test never runs. The module's go.mod replaces its syntax module with
// ./syntax, which the module zip leaves out and the proxy does not serve at
// v1.10.0's commit (nor Alloy v1.11+, whose main moved to collector/): syntax
// v0.1.1 is the oldest served that has the API the runtime calls.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildModule } from './go-module.ts';
import { REPO } from '../product/sidecar.ts';

export const ALLOY_VERSION = 'v1.10.0';

export function buildAlloy(): Promise<string> {
  return buildModule({
    name: 'podprof-alloy',
    module: 'github.com/grafana/alloy',
    version: ALLOY_VERSION,
    pkg: './cmd/podprof-alloy',
    nested: [{ module: 'github.com/grafana/alloy/syntax', version: 'v0.1.1', into: 'syntax' }],
    // syntax v0.1.1 needs a few newer minor versions (x/sys, fatih/color, testify) than v1.10.0's go.mod lists.
    updateRequirements: true,
    files: { 'cmd/podprof-alloy/main.go': readFileSync(join(REPO, 'test/fixtures/podprof-alloy/main.go'), 'utf8') },
  });
}

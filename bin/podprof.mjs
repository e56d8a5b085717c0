#!/usr/bin/env node
// The podprof CLI. Run `npm run build` first in a source checkout.
import '../dist/podprof.js';

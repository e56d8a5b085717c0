// `npm run versitygw:build`: builds the real S3-compatible server the
// replicated capture-store tests run (test/kit/objectstore/versitygw.ts) into
// the cache, or reuses it.
import { buildVersitygw } from '../test/kit/objectstore/build-versitygw.ts';

const started = Date.now();
console.log(`versitygw: ${await buildVersitygw()} (${Math.round((Date.now() - started) / 1000)}s)`);

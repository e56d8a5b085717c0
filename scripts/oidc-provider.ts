// `npm run oidc-provider:build`: builds the OIDC provider the sign-in tests run
// (test/kit/oidc/provider) from the Go module proxy into the cache, or reuses it.
import { buildOidcProvider } from '../test/kit/oidc/provider.ts';

const started = Date.now();
console.log(`oidc-provider: ${await buildOidcProvider()} (${Math.round((Date.now() - started) / 1000)}s)`);

// ID tokens as bearer tokens (the CLI after `podprof login`, scripts): a JWT
// whose claimed issuer is --oidc-issuer goes to the ID-token verifier; any
// other token to the configured mode (TokenReview, static, proxy), whose
// refusal then says which issuer ID tokens must come from.
import { PodprofError } from '../../../src/errors.ts';
import { bearerOf, type Authenticator } from '../user.ts';
import { claimedIssuer } from './jwt.ts';
import type { IdTokenVerifier } from './verifier.ts';

export function withIdTokens(verifier: IdTokenVerifier, otherwise: Authenticator): Authenticator {
  return async (req) => {
    const token = bearerOf(req);
    const iss = token === undefined ? undefined : claimedIssuer(token);
    if (token !== undefined && iss === verifier.issuer) return (await verifier.verify(token)).user;
    try {
      return await otherwise(req);
    } catch (err) {
      if (iss === undefined || !(err instanceof PodprofError) || err.code !== 'PODPROF_TOKEN_INVALID') throw err;
      throw new PodprofError(
        'PODPROF_TOKEN_INVALID',
        `${err.message}; ID tokens are accepted from ${verifier.issuer} (--oidc-issuer) only, and this one names issuer ${JSON.stringify(iss)}`,
      );
    }
  };
}

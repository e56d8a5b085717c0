// The users, clients and gateway flags the sign-in tests share.
import type { OidcClient, OidcProvider, OidcUser } from './provider.ts';

export const ALICE: OidcUser = {
  id: 'u-alice',
  username: 'alice',
  password: 'alice-pw-1',
  email: 'alice@corp.example',
  groups: ['team-a'],
};
export const BOB: OidcUser = { id: 'u-bob', username: 'bob', password: 'bob-pw-1', email: 'bob@corp.example', groups: ['team-b'] };

/** podprof's client (public: the UI's gateway and the CLI share it, PKCE on both), another app's, and one with 1 s ID tokens. */
export const CLIENTS: readonly OidcClient[] = [
  { id: 'podprof', redirectURIs: ['https://127.0.0.1/auth/oidc/callback', 'http://127.0.0.1/callback'] },
  { id: 'grafana', redirectURIs: ['http://127.0.0.1/callback'] },
  { id: 'brief', redirectURIs: ['https://127.0.0.1/auth/oidc/callback', 'http://127.0.0.1/callback'], idTokenSeconds: 4 },
];

/** The gateway's OIDC flags for this provider: usernames from email, groups from groups, both prefixed oidc: (as the API server maps them). */
export function oidcGatewayArgs(p: OidcProvider, clientId = 'podprof'): string[] {
  return [
    ...['--oidc-issuer', p.issuer, '--oidc-client-id', clientId, '--oidc-ca-file', p.caFile],
    ...[
      '--oidc-username-claim',
      'email',
      '--oidc-username-prefix',
      'oidc:',
      '--oidc-groups-claim',
      'groups',
      '--oidc-groups-prefix',
      'oidc:',
    ],
  ];
}

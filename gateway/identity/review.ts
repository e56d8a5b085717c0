// TokenReview of a sidecar's enrollment token, with the enrollment audience:
// the API server then says which pod (name, uid) the token is bound to.
import * as k8s from '@kubernetes/client-node';
import { ENROLL_AUDIENCE } from '../../src/enrollment.ts';
import type { ReviewedToken } from './enroll.ts';

export type TokenReviewer = (token: string) => Promise<ReviewedToken>;

export function kubernetesReviewer(kc: k8s.KubeConfig): TokenReviewer {
  const api = kc.makeApiClient(k8s.AuthenticationV1Api);
  return async (token) => {
    const r = await api.createTokenReview({
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, audiences: [ENROLL_AUDIENCE] } },
    });
    const s = r.status;
    return { authenticated: s?.authenticated === true, username: s?.user?.username, audiences: s?.audiences, extra: s?.user?.extra };
  };
}

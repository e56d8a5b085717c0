// Paste a token (a Kubernetes service-account token, or the demo's static
// token) → POST /api/v1/session sets an HttpOnly cookie; the token is not kept.
// When the gateway has an OIDC provider (GET /auth/oidc/config answers), a
// "Sign in with <issuer>" link starts the authorization-code flow at
// /auth/oidc/login; a failed sign-in comes back here with ?error=.
import { api } from './api.ts';
import { h, notice, replace } from './dom.ts';
import { navigate } from './state.ts';

export function loginPage(onLogin: (user: string) => void): HTMLElement {
  const token = h('textarea', {
    id: 'token',
    rows: 4,
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: 'eyJhbGciOi… or podprof-demo-…',
    required: true,
  });
  const status = h('div', { 'aria-live': 'polite' });
  const params = new URLSearchParams(location.search);
  const failed = params.get('error');
  if (failed) replace(status, notice('error', 'Sign-in failed', failed));
  const oidc = h('div', { class: 'oidc' });
  void fetch('/auth/oidc/config', { credentials: 'same-origin' })
    .then((r) => (r.ok ? (r.json() as Promise<{ issuer?: string }>) : undefined))
    .then((c) => {
      if (!c?.issuer) return;
      const next = params.get('next') ?? '/';
      replace(
        oidc,
        h(
          'a',
          { class: 'button primary', id: 'oidc-sign-in', href: `/auth/oidc/login?next=${encodeURIComponent(next)}` },
          `Sign in with ${c.issuer}`,
        ),
        h('p', { class: 'hint' }, 'or paste a token:'),
      );
    })
    .catch(() => undefined);
  const form = h(
    'form',
    { class: 'login card' },
    h('h1', {}, 'Sign in to podprof'),
    oidc,
    h('label', { for: 'token' }, 'Bearer token'),
    token,
    h(
      'p',
      { class: 'hint' },
      'A Kubernetes token (kubectl create token …) or the token podprof demo printed. It is exchanged for a session cookie and not stored by the page.',
    ),
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
    status,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const t = token.value.trim();
    if (t === '') return;
    replace(status, 'Signing in…');
    api.login(t).then(
      (r) => {
        token.value = '';
        onLogin(r.user);
        const next = new URLSearchParams(location.search).get('next');
        navigate(next?.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login') ? next : '/', true);
      },
      (err: Error) => replace(status, notice('error', 'Sign-in failed', err.message)),
    );
  });
  return h('main', { class: 'center' }, form);
}

// Paste a token (a Kubernetes service-account token, or the demo's static
// token) → POST /api/v1/session sets an HttpOnly cookie; the token is not kept.
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
  const form = h(
    'form',
    { class: 'login card' },
    h('h1', {}, 'Sign in to podprof'),
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

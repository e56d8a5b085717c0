// podprof's web UI: login, pods, captures, and the views of a capture.
// Routes: /login, / and /pods, /captures, /captures/<id>[/<view>], /local[/<view>]
// (a profile file opened in the page: dropped anywhere, or picked).
import './style.css';
import { ApiError } from '../../../src/api/error.ts';
import { api } from './api.ts';
import { h, replace, button, notice } from './dom.ts';
import { loginPage } from './login.ts';
import { podsPage } from './pods.ts';
import { capturesPage } from './captures.ts';
import { capturePage } from './capture-page.ts';
import { localPage, openLocal } from './local-file.ts';
import { navigate, PROFILE_VIEWS, VIEWS, type ProfileViewName, type ViewName } from './state.ts';

const root = document.getElementById('app') as HTMLElement;
let user: string | undefined;
let teardown: (() => void) | undefined;

function navLink(path: string, label: string, current: boolean): HTMLAnchorElement {
  const a = h('a', { href: path, 'aria-current': current ? 'page' : undefined }, label);
  return a;
}

function shell(active: string, main: HTMLElement): HTMLElement {
  return h(
    'div',
    { class: 'shell' },
    h(
      'header',
      { class: 'topbar' },
      h('a', { href: '/', class: 'brand' }, 'podprof'),
      h(
        'nav',
        {},
        navLink('/pods', 'Pods', active === 'pods'),
        navLink('/captures', 'Captures', active === 'captures'),
        navLink('/local', 'Open file', active === 'local'),
      ),
      h('span', { class: 'spacer' }),
      user ? h('span', { class: 'who', title: 'signed in as' }, user) : null,
      user
        ? button('Sign out', () => {
            void api.logout().finally(() => {
              user = undefined;
              navigate('/login');
            });
          })
        : null,
    ),
    main,
  );
}

async function render(): Promise<void> {
  teardown?.();
  teardown = undefined;
  const path = location.pathname;
  if (!user && path !== '/login') {
    try {
      user = (await api.whoami()).user;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`, true);
        return;
      }
      replace(root, notice('error', 'The gateway did not answer', String((err as Error).message)));
      return;
    }
  }
  if (path === '/login') {
    replace(
      root,
      loginPage((name) => (user = name)),
    );
    return;
  }
  teardown = page(path);
}

/** Shows the page of a signed-in path; its teardown. */
function page(path: string): () => void {
  const main = h('main', { id: 'main' });
  const m = /^\/captures\/([^/]+)(?:\/([a-z]+))?\/?$/.exec(path);
  const local = /^\/local(?:\/([a-z]+))?\/?$/.exec(path);
  if (local) {
    const view = (PROFILE_VIEWS as readonly string[]).includes(local[1] ?? '') ? (local[1] as ProfileViewName) : undefined;
    replace(root, shell('local', main));
    return localPage(main, view);
  }
  if (m) {
    const view = (VIEWS as readonly string[]).includes(m[2] ?? '') ? (m[2] as ViewName) : undefined;
    replace(root, shell('captures', main));
    return capturePage(main, decodeURIComponent(m[1] ?? ''), view);
  }
  if (path === '/captures') {
    replace(root, shell('captures', main));
    return capturesPage(main);
  }
  replace(root, shell('pods', main));
  return podsPage(main);
}

// Same-origin links navigate in place.
document.addEventListener('click', (e) => {
  const a = (e.target as Element | null)?.closest?.('a');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || a.hasAttribute('download')) return;
  const href = a.getAttribute('href');
  // /api/ and /auth/ (the OIDC sign-in) are the gateway's, not pages of this app: the browser goes there.
  if (!href?.startsWith('/') || href.startsWith('/api/') || href.startsWith('/auth/')) return;
  e.preventDefault();
  navigate(href);
});
// A profile file dropped anywhere (signed in) opens in the page: analysed here, sent nowhere.
const carriesFiles = (e: DragEvent): boolean => e.dataTransfer?.types.includes('Files') === true;
document.addEventListener('dragover', (e) => {
  if (!carriesFiles(e) || !user) return;
  e.preventDefault();
  if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
});
document.addEventListener('drop', (e) => {
  if (!carriesFiles(e) || !user) return;
  e.preventDefault();
  const f = e.dataTransfer?.files[0];
  if (f) void openLocal(f);
});
window.addEventListener('popstate', () => void render());
window.addEventListener('podprof:navigate', () => void render());
void render();

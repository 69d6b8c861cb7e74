// The API reference's way back to the Keygate console (loaded as a file: the CSP allows no inline script).
'use strict';
const addBar = () => {
  const bar = document.createElement('nav');
  bar.className = 'keygate-docs-bar';
  bar.setAttribute('aria-label', 'Keygate');
  const back = document.createElement('a');
  back.href = '/admin/auth-clients';
  back.textContent = '← Back to the Keygate console';
  const tokens = document.createElement('a');
  tokens.href = '/profile/tokens';
  tokens.textContent = 'My API tokens';
  bar.append(back, tokens);
  document.body.prepend(bar);
};
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', addBar);
else addBar();

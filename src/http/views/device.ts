/** The /device pages (RFC 8628 §3.3): enter the code, then the consent page, then the outcome. */
import { html } from './html.js';
import { textField } from './components.js';
import { renderPage, type LayoutUser } from './layout.js';

export const DEVICE_CODE_INVALID = 'That code is not valid or has expired. Check the code shown on your device and try again.';

export function renderDeviceCodePage(view: { user: LayoutUser; csrfToken: string; userCode: string; error?: string }): string {
  return renderPage({
    title: 'Connect a device',
    user: view.user,
    csrfToken: view.csrfToken,
    narrow: true,
    body: html`<section class="card" aria-labelledby="device-title">
  <h1 id="device-title">Connect a device</h1>
  <p>Enter the code shown on your device, TV or command line.</p>
  <form method="post" action="/device" novalidate>
    <input type="hidden" name="_csrf" value="${view.csrfToken}">
    ${textField({ id: 'user_code', name: 'user_code', label: 'Code', value: view.userCode, required: true, maxlength: 32, autocomplete: 'off', hint: 'Eight letters, such as BCDF-GHJK.', ...(view.error ? { errors: [view.error] } : {}) })}
    <div class="actions"><button type="submit" class="btn btn-primary">Continue</button></div>
  </form>
</section>`,
  });
}

export function renderDeviceDonePage(view: { user: LayoutUser; csrfToken: string; clientName: string; approved: boolean }): string {
  return renderPage({
    title: view.approved ? 'Device connected' : 'Access denied',
    user: view.user,
    csrfToken: view.csrfToken,
    narrow: true,
    body: html`<section class="card" role="status">
  <h1>${view.approved ? 'Device connected' : 'Access denied'}</h1>
  <p>${view.approved ? html`<strong>${view.clientName}</strong> can now use your account. You can return to your device.` : html`<strong>${view.clientName}</strong> was not given access. You can close this page.`}</p>
</section>`,
  });
}

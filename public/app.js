// Keygate console behaviour. Loaded as an external file: the CSP allows no inline script.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  // Copy buttons: <button data-copy-target="id">Copy</button>
  for (const button of document.querySelectorAll('[data-copy-target]')) {
    button.addEventListener('click', async () => {
      const target = document.getElementById(button.getAttribute('data-copy-target'));
      if (!target) return;
      const text = (target.value ?? target.textContent ?? '').trim();
      try {
        await navigator.clipboard.writeText(text);
      } catch {
        const range = document.createRange();
        range.selectNodeContents(target);
        const sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
        document.execCommand('copy');
      }
      const label = button.textContent;
      button.textContent = 'Copied';
      button.setAttribute('data-copied', 'true');
      setTimeout(() => { button.textContent = label; }, 2000);
    });
  }
  // Checkboxes that show or hide other elements: <input type=checkbox data-toggles="id !other">
  // shows #id while ticked and #other while unticked. Hidden fields keep what was typed in them.
  const sync = (box) => {
    for (const ref of box.getAttribute('data-toggles').split(' ')) {
      const inverse = ref.startsWith('!');
      const el = document.getElementById(inverse ? ref.slice(1) : ref);
      if (el) el.hidden = inverse ? box.checked : !box.checked;
    }
  };
  for (const box of document.querySelectorAll('input[data-toggles]')) {
    sync(box);
    box.addEventListener('change', () => sync(box));
  }
  // (No select submits on change: keyboard users move through the options; forms have a button.)
  // Focus the first field with an error, for keyboard and screen-reader users.
  const invalid = document.querySelector('[aria-invalid=true]');
  if (invalid) invalid.focus();
});
// Selects that show another element only for one value: <select data-reveals="value:id">
document.addEventListener('DOMContentLoaded', () => {
  for (const select of document.querySelectorAll('select[data-reveals]')) {
    const [value, id] = select.getAttribute('data-reveals').split(':');
    const sync = () => {
      const el = document.getElementById(id);
      // Keep it visible when it holds an error, so the message is never hidden.
      if (el) el.hidden = select.value !== value && !el.querySelector('[aria-invalid=true]');
    };
    sync();
    select.addEventListener('change', sync);
  }
});

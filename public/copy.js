// Copy buttons on the storefront's pages: a button with data-copy puts that
// exact text on the clipboard and says so. The page never shows the buttons
// where this script does not run or the browser offers no clipboard (the
// <html> element only gets the "can-copy" class here): the text next to
// them stays selectable. One listener for the whole document, so buttons a
// signed-in page renders later work too.
(() => {
  'use strict';
  if (!navigator.clipboard) return;
  document.documentElement.classList.add('can-copy');
  document.addEventListener('click', async (event) => {
    const button = event.target.closest('button[data-copy]');
    if (!button) return;
    const status = button.nextElementSibling;
    try {
      await navigator.clipboard.writeText(button.dataset.copy);
      button.firstChild.textContent = 'Copied';
      if (status) status.textContent = '';
    } catch {
      if (status) status.textContent = 'Copying was blocked: select the text and copy it.';
    }
  });
})();

// Forms on the storefront's pages post without JavaScript; this only makes
// a submission visible and single. The button that sent a form says what is
// running ("Creating…", from its data-busy) and the form refuses a second
// submission until the answer arrives: a double click makes one key, not
// two. The button is not disabled, which would drop its name and value from
// the post. Back-forward navigation restores the page as it was before.
(() => {
  'use strict';
  document.addEventListener('submit', (event) => {
    const form = event.target;
    if (form.method === 'dialog') return;
    if (form.dataset.submitting) {
      event.preventDefault();
      return;
    }
    form.dataset.submitting = 'true';
    const button = event.submitter;
    if (button && button.dataset.busy) {
      button.dataset.label = button.textContent;
      button.textContent = button.dataset.busy;
      button.setAttribute('aria-disabled', 'true');
    }
  });
  window.addEventListener('pageshow', (event) => {
    if (!event.persisted) return;
    for (const form of document.querySelectorAll('form[data-submitting]')) {
      delete form.dataset.submitting;
    }
    for (const button of document.querySelectorAll('button[data-label]')) {
      button.textContent = button.dataset.label;
      button.removeAttribute('aria-disabled');
      delete button.dataset.label;
    }
  });
})();

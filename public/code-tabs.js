// The docs' examples in one language everywhere. Each example's language
// tabs are radio buttons that CSS turns into tabs, so they work without
// this script; with it, choosing a language in one example chooses it in
// every example on the page, and on the next docs pages (localStorage).
(() => {
  'use strict';
  const STORED = 'tracepipe-code-language';
  const TABS = '.code-tabs input[type="radio"]';
  const choose = (language) => {
    for (const input of document.querySelectorAll(TABS)) {
      if (input.value === language) input.checked = true;
    }
  };
  const apply = () => {
    try {
      const saved = localStorage.getItem(STORED);
      if (saved) choose(saved);
    } catch {
      // Storage refused (private mode, policy): each example keeps its own tab.
    }
  };
  apply();
  // Back to a page from the cache: the choice may have changed elsewhere.
  window.addEventListener('pageshow', apply);
  document.addEventListener('change', (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.matches(TABS)) return;
    choose(input.value);
    try {
      localStorage.setItem(STORED, input.value);
    } catch {
      // As above: the page still follows the choice.
    }
  });
})();

// Enhancements only: every page works without this file (issue 14, items 4 and 6).

// A post's actions are a toolbar (WAI-ARIA Authoring Practices, "Toolbar" pattern): one tab stop per
// post, the arrow keys move between its buttons and links, Home and End go to the first and the last.
// Without this script every action is a tab stop of its own.
for (const toolbar of document.querySelectorAll('[data-toolbar]')) {
  const items = [...toolbar.querySelectorAll('button, a[href]')];
  if (items.length < 2) continue;
  let current = 0;
  const focusOn = (index, move) => {
    items[current].tabIndex = -1;
    current = (index + items.length) % items.length;
    items[current].tabIndex = 0;
    if (move) items[current].focus();
  };
  for (const item of items) item.tabIndex = -1;
  items[0].tabIndex = 0;
  toolbar.addEventListener('focusin', (event) => {
    const index = items.indexOf(event.target);
    if (index !== -1 && index !== current) focusOn(index, false);
  });
  toolbar.addEventListener('keydown', (event) => {
    const keys = { ArrowRight: current + 1, ArrowDown: current + 1, ArrowLeft: current - 1, ArrowUp: current - 1 };
    let next = keys[event.key];
    if (event.key === 'Home') next = 0;
    if (event.key === 'End') next = items.length - 1;
    if (next === undefined) return;
    event.preventDefault();
    focusOn(next, true);
  });
}

// A table in a post that is wider than the screen scrolls in its own box: it takes a tab stop, so a
// keyboard can scroll it (WCAG 2.1.1; axe's scrollable-region-focusable). It stays a table to a screen reader.
for (const table of document.querySelectorAll('.prose table')) {
  if (table.scrollWidth > table.clientWidth) table.tabIndex = 0;
}

// Deleting is deliberate: a link marked data-confirm leads to a page that says what would go and asks.
// With this script the same page's question and form open in a dialog over the thread; its "cancel"
// closes the dialog. If the page cannot be fetched, the link is followed as without the script.
let dialog = null;
document.addEventListener('click', async (event) => {
  const link = event.target instanceof Element ? event.target.closest('a[data-confirm]') : null;
  if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) {
    return;
  }
  event.preventDefault();
  let content = null;
  try {
    const response = await fetch(link.href, { credentials: 'same-origin', headers: { accept: 'text/html' } });
    if (response.ok) {
      const page = new DOMParser().parseFromString(await response.text(), 'text/html');
      content = page.querySelector('main .container');
    }
  } catch {
    content = null;
  }
  if (!content || typeof HTMLDialogElement !== 'function') {
    window.location.assign(link.href);
    return;
  }
  dialog?.remove();
  dialog = document.createElement('dialog');
  dialog.className = 'confirm-dialog';
  // The page's "back to the thread" link is where the dialog already is.
  content.querySelector('p:first-child > a')?.parentElement?.remove();
  const heading = content.querySelector('h1');
  if (heading) {
    const title = document.createElement('h2');
    title.id = 'confirm-dialog-title';
    title.tabIndex = -1;
    title.textContent = heading.textContent;
    heading.replaceWith(title);
    dialog.setAttribute('aria-labelledby', title.id);
  }
  dialog.append(...content.childNodes);
  for (const cancel of dialog.querySelectorAll('form a')) {
    cancel.addEventListener('click', (cancelEvent) => {
      cancelEvent.preventDefault();
      dialog.close();
    });
  }
  const opener = link;
  dialog.addEventListener('close', () => {
    dialog.remove();
    dialog = null;
    opener.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
  // The question first, in view (a long post quoted below it must not scroll it away), never the
  // destructive button: Enter pressed twice must not delete.
  const question = dialog.querySelector('#confirm-dialog-title');
  question?.focus();
  dialog.scrollTop = 0;
});

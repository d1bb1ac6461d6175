// Enhancements only: every page works without this file.
// A form marked data-submit-once disables its submit buttons after the first
// submission, so a double click does not post twice.
document.addEventListener('submit', (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-submit-once')) return;
  if (form.dataset.submitted === 'true') {
    event.preventDefault();
    return;
  }
  form.dataset.submitted = 'true';
  for (const button of form.querySelectorAll('button[type="submit"], input[type="submit"]')) {
    button.setAttribute('aria-disabled', 'true');
  }
});

// Post forms: as the author writes, ask the server which tag the text sounds like and pre-select it,
// until the author picks a tag themselves. Without this script the "Suggest a tag" button does the same.
for (const form of document.querySelectorAll('form')) {
  const source = form.querySelector('[data-suggest-source]');
  const output = form.querySelector('[data-suggest-output]');
  const csrf = form.querySelector('input[name="_csrf"]');
  if (!source || !output || !csrf) continue;
  let chosenByAuthor = false;
  let timer = 0;
  for (const radio of form.querySelectorAll('input[name="tag"]')) {
    radio.addEventListener('change', () => {
      chosenByAuthor = true;
    });
  }
  const suggest = async () => {
    const title = form.querySelector('input[name="title"]');
    const text = source.value.trim();
    if (text.length < 20) return;
    try {
      const response = await fetch('/policy/suggest', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf.value },
        body: JSON.stringify({ title: title ? title.value : '', body: text }),
        credentials: 'same-origin',
      });
      if (!response.ok) return;
      const suggestion = await response.json();
      output.textContent = suggestion.message;
      if (chosenByAuthor) return;
      const radio = form.querySelector(`input[name="tag"][value="${suggestion.tag}"]`);
      if (radio && !radio.disabled) radio.checked = true;
    } catch {
      // Suggestions are a help; the form works without them.
    }
  };
  source.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(suggest, 700);
  });
}

// The bell: its number is asked for again every minute while the page is in view, so a person who keeps
// a page open learns of new notifications. Without this script the number is the one the page came with.
const bell = document.querySelector('a[data-bell]');
const bellCount = bell?.querySelector('[data-bell-count]');
if (bell && bellCount) {
  const show = (unread, more) => {
    bellCount.replaceChildren();
    if (unread === 0) return;
    const shown = more ? `${unread}+` : String(unread);
    const number = document.createElement('span');
    number.className = 'bell__count';
    number.setAttribute('aria-hidden', 'true');
    number.textContent = shown;
    const label = document.createElement('span');
    label.className = 'visually-hidden';
    label.textContent = ` (${(bell.dataset.bellLabel ?? '').replace('{count}', shown)})`;
    bellCount.append(' ', number, label);
  };
  setInterval(async () => {
    if (document.visibilityState !== 'visible') return;
    try {
      const response = await fetch('/notifications/count', { headers: { accept: 'application/json' } });
      if (!response.ok) return;
      const { unread, more } = await response.json();
      if (typeof unread === 'number') show(unread, more === true);
    } catch {
      // Offline for a moment: the number stays as it was.
    }
  }, 60_000);
}

// Enhancements of forms and of the post composer (issue 14, items 2 and 5). Every form works without this
// file: the server counts, refuses with a message beside the field, previews and keeps every word. Texts
// come from #form-messages (views/partials/form-messages.eta), in the reader's language.
const messages = document.getElementById('form-messages')?.dataset ?? {};
const say = (template, values = {}) =>
  (template ?? '').replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));

// One polite live region for the page: it speaks only when something changes state (WCAG 2.1 SC 4.1.3).
const announcer = document.createElement('div');
announcer.className = 'visually-hidden';
announcer.setAttribute('aria-live', 'polite');
announcer.setAttribute('data-form-announcer', '');
document.body.append(announcer);
let announceTimer = 0;
function announce(text) {
  clearTimeout(announceTimer);
  announcer.textContent = '';
  // Emptied first and set a moment later, so the same words said twice are said again.
  announceTimer = setTimeout(() => {
    announcer.textContent = text;
  }, 100);
}

// ── A refused form: the person lands on its summary ──────────────────────────────────────────────────
// The summary carries autofocus, which browsers honour without a script; this is for those that did not.
const summary = document.querySelector('[data-error-summary]');
if (summary && (document.activeElement === null || document.activeElement === document.body)) {
  summary.focus();
}

// ── Counters: "n / max" beside each limited field ────────────────────────────────────────────────────
// Counted as the server counts (src/text/limits.ts): code points, a line break once. The field has no
// native maxlength (it would cut a paste without a word): over the limit, the counter says by how much
// and the server refuses the form with everything kept.
/** The length of a text as a person sees it: code points, CRLF counted once. */
const textLength = (text) => [...text.replace(/\r\n?/g, '\n')].length;

for (const field of document.querySelectorAll('[data-maxlength]')) {
  const max = Number(field.dataset.maxlength);
  if (!Number.isFinite(max) || max <= 0 || !field.id) continue;
  const counter = document.createElement('p');
  counter.className = 'field__count';
  counter.id = `${field.id}-count`;
  const shown = document.createElement('span');
  shown.setAttribute('aria-hidden', 'true');
  const spoken = document.createElement('span');
  spoken.className = 'visually-hidden';
  counter.append(shown, spoken);
  field.insertAdjacentElement('afterend', counter);
  field.setAttribute('aria-describedby', `${field.getAttribute('aria-describedby') ?? ''} ${counter.id}`.trim());
  // near: within the last tenth; announced only when the state changes, never at every keystroke.
  let state = 'ok';
  const update = (speak) => {
    const count = textLength(field.value);
    shown.textContent = `${count} / ${max}`;
    spoken.textContent = say(messages.count, { count, max });
    const next = count > max ? 'over' : count >= max * 0.9 ? 'near' : 'ok';
    counter.classList.toggle('field__count--over', next === 'over');
    if (speak && next !== state) {
      if (next === 'over') announce(say(messages.over, { over: count - max }));
      else if (next === 'near' && state === 'ok') announce(say(messages.near, { left: max - count }));
      else if (state === 'over') announce(messages.back ?? '');
    }
    state = next;
  };
  update(false);
  field.addEventListener('input', () => update(true));
  field.addEventListener('agora:value', () => update(false));
}

/** Sets a field's value from the script, so its counter follows. */
function setValue(field, value) {
  field.value = value;
  field.dispatchEvent(new Event('agora:value'));
}

// ── The preview in place ─────────────────────────────────────────────────────────────────────────────
// The "Vista previa" button works without a script (the server sends the form back with the preview);
// here the same rendering is asked of /c/<slug>/preview and shown in place. Anything but a preview (an
// over-long draft, a lost connection) falls back to the button's own submission, which says why.
for (const button of document.querySelectorAll('[data-preview-button]')) {
  const form = button.form;
  const output = form?.querySelector('[data-preview-output]');
  const target = output?.querySelector('[data-preview-body]');
  const csrf = form?.querySelector('input[name="_csrf"]');
  const source = form?.querySelector('textarea[name="body"]');
  if (!form || !output || !target || !csrf || !source) continue;
  let fallingBack = false;
  button.addEventListener('click', async (event) => {
    if (fallingBack) return;
    event.preventDefault();
    const attachmentIds = [...form.querySelectorAll('input[name="attachmentIds"]:checked')].map((box) => box.value);
    try {
      const response = await fetch(button.dataset.previewButton, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf.value, accept: 'application/json' },
        body: JSON.stringify({ body: source.value, attachmentIds }),
        credentials: 'same-origin',
      });
      if (!response.ok) throw new Error(String(response.status));
      const { html } = await response.json();
      // HTML made by the server's sanitizer (src/markdown/post-markdown.ts), as the post page shows it.
      target.innerHTML = html;
      output.hidden = false;
      output.focus();
    } catch {
      announce(messages.previewFailed ?? '');
      fallingBack = true;
      form.requestSubmit(button);
    }
  });
}

// ── @mention suggestions ─────────────────────────────────────────────────────────────────────────────
// The WAI-ARIA APG combobox pattern (list autocomplete, listbox popup) on the text field: arrows move
// through the listbox (aria-activedescendant, the focus stays in the text), Enter or Tab picks, Escape
// closes. The field keeps its textbox role (ARIA in HTML gives a textarea no other), with
// aria-autocomplete, aria-controls and aria-activedescendant, which ARIA 1.2 allows a textbox; how many
// suggestions there are and how to pick one is said in the live region. The server lists only people
// who may read the community (src/threads/mention-suggestions.ts).
const MENTION_BEFORE_CARET = /(?:^|[^\p{L}\p{N}_.@+/-])@([\p{L}\p{N}][\p{L}\p{N}_.·'-]{0,39})$/u;

for (const field of document.querySelectorAll('textarea[data-mention-source]')) {
  const slug = field.dataset.mentionSource;
  if (!slug || !field.id) continue;
  const list = document.createElement('ul');
  list.id = `${field.id}-mentions`;
  list.className = 'mention-list';
  list.setAttribute('role', 'listbox');
  list.setAttribute('aria-label', messages.mentionLabel ?? '');
  list.hidden = true;
  field.insertAdjacentElement('afterend', list);
  field.setAttribute('aria-autocomplete', 'list');
  field.setAttribute('aria-controls', list.id);

  let people = [];
  let active = -1;
  let typed = null; // { start, end } of the "@prefix" being completed
  let timer = 0;
  let pending = null;

  const close = () => {
    list.hidden = true;
    list.replaceChildren();
    people = [];
    active = -1;
    field.removeAttribute('aria-activedescendant');
  };
  const highlight = (index) => {
    active = index;
    for (const [i, option] of [...list.children].entries()) option.setAttribute('aria-selected', String(i === index));
    if (index >= 0) field.setAttribute('aria-activedescendant', `${list.id}-${index}`);
    else field.removeAttribute('aria-activedescendant');
    list.children[index]?.scrollIntoView({ block: 'nearest' });
  };
  const choose = (index) => {
    const person = people[index];
    if (!person || !typed) return;
    const before = field.value.slice(0, typed.start);
    const after = field.value.slice(typed.end);
    const inserted = `@${person.handle} `;
    setValue(field, `${before}${inserted}${after.replace(/^ /, '')}`);
    const caret = before.length + inserted.length;
    field.setSelectionRange(caret, caret);
    field.dispatchEvent(new Event('input', { bubbles: true }));
    close();
  };
  const show = (found) => {
    people = found;
    list.replaceChildren(
      ...found.map((person, index) => {
        const option = document.createElement('li');
        option.id = `${list.id}-${index}`;
        option.setAttribute('role', 'option');
        option.setAttribute('aria-selected', 'false');
        const name = document.createElement('span');
        name.textContent = person.displayName;
        const handle = document.createElement('span');
        handle.className = 'mention-list__handle';
        handle.textContent = ` @${person.handle}`;
        option.append(name, handle);
        // A pointer picks too; mousedown keeps the focus in the text.
        option.addEventListener('mousedown', (event) => {
          event.preventDefault();
          choose(index);
        });
        return option;
      }),
    );
    if (found.length === 0) {
      close();
      return;
    }
    list.hidden = false;
    highlight(0);
    announce(found.length === 1 ? (messages.mentionOne ?? '') : say(messages.mentionMany, { count: found.length }));
  };
  const lookUp = () => {
    const caret = field.selectionStart ?? 0;
    if (caret !== field.selectionEnd) return close();
    const match = MENTION_BEFORE_CARET.exec(field.value.slice(0, caret));
    if (!match) {
      typed = null;
      return close();
    }
    typed = { start: caret - match[1].length - 1, end: caret };
    const prefix = match[1];
    clearTimeout(timer);
    timer = setTimeout(async () => {
      pending?.abort();
      pending = new AbortController();
      try {
        const response = await fetch(
          `/c/${encodeURIComponent(slug)}/mention-suggestions?q=${encodeURIComponent(prefix)}`,
          {
            headers: { accept: 'application/json' },
            credentials: 'same-origin',
            signal: pending.signal,
          },
        );
        if (!response.ok) return close();
        const { people: found } = await response.json();
        // Still the same word under the caret?
        if (typed && field.value.slice(typed.start + 1, typed.end) === prefix) show(Array.isArray(found) ? found : []);
      } catch {
        // Suggestions are a help; typing the handle works as well.
      }
    }, 200);
  };

  field.addEventListener('input', lookUp);
  field.addEventListener('click', lookUp);
  field.addEventListener('blur', () => setTimeout(close, 150));
  field.addEventListener('keydown', (event) => {
    if (list.hidden || people.length === 0) return;
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      highlight((active + 1) % people.length);
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      highlight((active - 1 + people.length) % people.length);
    } else if ((event.key === 'Enter' || event.key === 'Tab') && active >= 0 && !event.shiftKey) {
      event.preventDefault();
      choose(active);
    } else if (event.key === 'Escape') {
      event.preventDefault();
      close();
    }
  });
}

// ── Drafts kept in this browser until sent ───────────────────────────────────────────────────────────
// A composer's text (fields marked data-draft-field) is kept in localStorage under the form's action (and
// the reply it answers), restored on return with a notice and a way to discard it, and cleared once the
// form was sent and not sent back refused. Nothing is cut: a draft over the limit comes back whole, its
// counter over the limit, and the server refuses it with the message.
const DRAFT_PREFIX = 'agora:draft:';
const SENT_KEY = 'agora:draft-sent';
const storage = (() => {
  try {
    const probe = `${DRAFT_PREFIX}probe`;
    localStorage.setItem(probe, '1');
    localStorage.removeItem(probe);
    return localStorage;
  } catch {
    return null;
  }
})();

// Drafts are one person's: keyed by who is signed in (the page's data-draft-owner), so that on a shared
// computer nobody finds another's words in a form, and dropped as soon as someone else signs in.
const DRAFT_OWNER = document.body?.dataset.draftOwner ?? '';
if (storage && DRAFT_OWNER) {
  for (const key of Object.keys(storage)) {
    if (key.startsWith(DRAFT_PREFIX) && !key.startsWith(`${DRAFT_PREFIX}${DRAFT_OWNER}:`)) storage.removeItem(key);
  }
}

function draftKey(form) {
  const parent = form.querySelector('input[name="parentId"]');
  const place = `${form.getAttribute('action') ?? location.pathname}${parent?.value ? `#${parent.value}` : ''}`;
  return `${DRAFT_PREFIX}${DRAFT_OWNER}:${place}`;
}

// Signing out forgets every draft: a shared computer keeps nobody's words.
document.addEventListener('submit', (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !storage) return;
  if (form.getAttribute('action') === '/sign-out') {
    for (const key of Object.keys(storage)) if (key.startsWith(DRAFT_PREFIX)) storage.removeItem(key);
  }
});

if (storage) {
  // A form sent from the last page: cleared only when this page is where a post form lands once sent
  // (its `?notice=`: thread-created, reply-posted, post-edited, post-held…). Sent back refused, or lost on
  // the way (no page, a 503), the draft stays.
  const sent = sessionStorage.getItem(SENT_KEY);
  if (sent) {
    sessionStorage.removeItem(SENT_KEY);
    if (new URLSearchParams(location.search).has('notice')) storage.removeItem(sent);
  }

  // Where two forms share a key (an answer sent back refused shows in the reply form and under its reply),
  // the one already holding the words keeps them; the other is not filled a second time.
  const readDraft = (key) => {
    try {
      const saved = JSON.parse(storage.getItem(key) ?? 'null');
      return saved && typeof saved === 'object' && saved.fields && typeof saved.fields === 'object'
        ? saved.fields
        : null;
    } catch {
      storage.removeItem(key);
      return null;
    }
  };
  const holding = new Set();
  for (const form of document.querySelectorAll('form')) {
    const fields = [...form.querySelectorAll('[data-draft-field]')].filter((field) => field.name);
    const values = fields.length > 0 ? readDraft(draftKey(form)) : null;
    if (
      values &&
      fields.every((field) => typeof values[field.name] !== 'string' || values[field.name] === field.value)
    ) {
      holding.add(draftKey(form));
    }
  }

  for (const form of document.querySelectorAll('form')) {
    const fields = [...form.querySelectorAll('[data-draft-field]')].filter((field) => field.name);
    if (fields.length === 0) continue;
    const key = draftKey(form);
    const original = new Map(fields.map((field) => [field, field.value]));

    const values = holding.has(key) ? null : readDraft(key);
    const differs =
      values && fields.some((field) => typeof values[field.name] === 'string' && values[field.name] !== field.value);
    if (differs) {
      for (const field of fields) if (typeof values[field.name] === 'string') setValue(field, values[field.name]);
      const notice = document.createElement('div');
      notice.className = 'callout draft-notice';
      notice.setAttribute('role', 'status');
      const text = document.createElement('p');
      text.textContent = messages.draftRestored ?? '';
      const discard = document.createElement('button');
      discard.type = 'button';
      discard.className = 'button button--small button--secondary';
      discard.textContent = messages.draftDiscard ?? '';
      discard.addEventListener('click', () => {
        for (const [field, value] of original) setValue(field, value);
        storage.removeItem(key);
        text.textContent = messages.draftDiscarded ?? '';
        discard.remove();
        fields[fields.length - 1]?.focus();
      });
      notice.append(text, discard);
      form.prepend(notice);
      // An answer form folded under its reply is opened, so the restored words are not hidden.
      const folded = form.closest('details');
      if (folded) folded.open = true;
    }

    let timer = 0;
    const save = () => {
      const current = Object.fromEntries(fields.map((field) => [field.name, field.value]));
      const unchanged = fields.every((field) => field.value === original.get(field));
      try {
        if (unchanged) storage.removeItem(key);
        else storage.setItem(key, JSON.stringify({ savedAt: Date.now(), fields: current }));
      } catch {
        // A full storage keeps no draft; the form itself loses nothing.
      }
    };
    for (const field of fields) {
      field.addEventListener('input', () => {
        clearTimeout(timer);
        timer = setTimeout(save, 400);
      });
    }
    form.addEventListener('submit', (event) => {
      const intent = event.submitter?.getAttribute('name') === 'intent' ? event.submitter.value : '';
      clearTimeout(timer);
      save();
      // Previews and suggestions come back to the form: the draft stays until the post is sent.
      if (!intent) sessionStorage.setItem(SENT_KEY, key);
    });
  }
}

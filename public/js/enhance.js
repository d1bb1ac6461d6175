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

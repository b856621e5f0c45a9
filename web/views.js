// Small DOM helpers and the pieces of the page that are rebuilt from data: task rows, reminder rows, field errors.

export const $ = (sel, root = document) => root.querySelector(sel);

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) node.append(c);
  return node;
}

// <input type="datetime-local"> value (local time) <-> RFC 3339 UTC.
export function localInputToUtc(value) {
  if (!value) return null;
  const d = new Date(value);  // parsed as local time
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
export function utcToLocalInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}
export function formatLocal(iso) {
  const d = new Date(iso);
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

// ISO 8601 durations as the API takes them ("PT15M", "PT2H", "P1D") <-> {amount, unit}.
export function durationToParts(text) {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(text || '');
  if (!m) return { amount: 15, unit: 'M' };
  const [d, h, min] = [m[1], m[2], m[3]].map((x) => Number(x || 0));
  if (d && !h && !min) return { amount: d, unit: 'D' };
  if (h && !min && !d) return { amount: h, unit: 'H' };
  return { amount: d * 1440 + h * 60 + min, unit: 'M' };
}
export function partsToDuration(amount, unit) {
  const n = Math.max(0, Math.floor(Number(amount) || 0));
  return unit === 'D' ? `P${n}D` : `PT${n}${unit}`;
}

let reminderSeq = 0;
export function reminderRow(reminder = { before_due: 'PT15M' }, onRemove) {
  const i = ++reminderSeq;
  const kind = reminder.at ? 'at' : 'before';
  const parts = durationToParts(reminder.before_due);
  const kindSel = el('select', { id: `r-kind-${i}`, 'aria-label': 'Reminder kind', class: 'r-kind' },
    el('option', { value: 'before', text: 'Before due' }), el('option', { value: 'at', text: 'At a time' }));
  kindSel.value = kind;
  const amount = el('input', { id: `r-amount-${i}`, type: 'number', min: '0', value: String(parts.amount),
    class: 'r-amount', 'aria-label': 'How long before due' });
  const unit = el('select', { class: 'r-unit', 'aria-label': 'Unit' },
    el('option', { value: 'M', text: 'minutes' }), el('option', { value: 'H', text: 'hours' }),
    el('option', { value: 'D', text: 'days' }));
  unit.value = parts.unit;
  const at = el('input', { type: 'datetime-local', class: 'r-at', 'aria-label': 'Remind at',
    value: utcToLocalInput(reminder.at) });
  const before = el('span', { class: 'r-before' }, amount, unit);
  const sync = () => { before.hidden = kindSel.value !== 'before'; at.hidden = kindSel.value !== 'at'; };
  kindSel.addEventListener('change', sync);
  const li = el('li', { class: 'reminder' }, kindSel, before, at,
    el('button', { type: 'button', class: 'ghost small', 'aria-label': 'Remove reminder',
      onclick: () => { li.remove(); onRemove?.(); } }, 'Remove'));
  sync();
  li.readValue = () => (kindSel.value === 'at' ? { at: localInputToUtc(at.value) } :
    { before_due: partsToDuration(amount.value, unit.value) });
  return li;
}

// Shows problem+json field errors next to their fields inside `form`; fields with no place of their own (and the
// detail) go to the form's general error line. Returns the first element that got an error (to focus it).
export function showErrors(form, err) {
  clearErrors(form);
  const slots = new Map([...form.querySelectorAll('[data-error-for]')].map((n) => [n.dataset.errorFor, n]));
  const general = slots.get('');
  const leftovers = [];
  let first = null;
  for (const [field, message] of Object.entries(err.fields || {})) {
    const base = field.split(/[[.]/)[0];
    const slot = slots.get(field) || slots.get(base);
    if (!slot || slot === general) { leftovers.push(field ? `${field}: ${message}` : message); continue; }
    slot.textContent = slot.textContent ? `${slot.textContent}; ${message}` : message;
    const input = slot.id && form.querySelector(`[aria-describedby~="${slot.id}"]`);
    if (input) { input.setAttribute('aria-invalid', 'true'); first ||= input; }
    first ||= slot;
  }
  if (general) {
    const hasFieldSlots = Object.keys(err.fields || {}).length > leftovers.length;
    general.textContent = [hasFieldSlots ? 'Please fix the fields marked below.' : err.message, ...leftovers]
      .filter(Boolean).join(' ');
    if (!hasFieldSlots) first ||= general;
  }
  return first;
}
export function clearErrors(form) {
  for (const n of form.querySelectorAll('[data-error-for]')) n.textContent = '';
  for (const n of form.querySelectorAll('[aria-invalid]')) n.removeAttribute('aria-invalid');
}

const PRIORITY = { high: 'High', medium: 'Medium', low: 'Low' };
const STATUS = { pending: 'Pending', in_progress: 'In progress', complete: 'Done' };

export function taskRow(task, { onToggle, onEdit, onDelete, onTag }) {
  const done = task.status === 'complete';
  const meta = el('div', { class: 'meta' },
    el('span', { class: `badge p-${task.priority}`, text: PRIORITY[task.priority] || task.priority }),
    task.status === 'in_progress' ? el('span', { class: 'badge s-progress', text: STATUS.in_progress }) : null,
    task.due_date ? el('span', { class: `due${!done && new Date(task.due_date) < new Date() ? ' overdue' : ''}` },
      el('time', { datetime: task.due_date, text: `Due ${formatLocal(task.due_date)}` })) : null,
    task.is_recurring ? el('span', { class: 'repeat', text: `↻ ${task.recurrence_schedule || 'custom'}` }) : null,
    (task.reminders || []).length ? el('span', { class: 'bell', text: task.reminders.length === 1 ? '1 reminder' : `${task.reminders.length} reminders` }) : null,
    ...(task.tags || []).map((t) => el('button', { type: 'button', class: 'tag', text: `#${t}`,
      'aria-label': `Show tasks tagged ${t}`, onclick: () => onTag?.(t) })));
  return el('li', { class: `task${done ? ' done' : ''}`, 'data-id': task.id },
    el('input', { type: 'checkbox', checked: done, id: `done-${task.id}`,
      'aria-label': `${done ? 'Reopen' : 'Complete'} “${task.title}”`, onchange: () => onToggle(task) }),
    el('div', { class: 'body' },
      el('p', { class: 'title', text: task.title }),
      task.description ? el('p', { class: 'desc', text: task.description }) : null,
      meta),
    el('div', { class: 'row-actions' },
      el('button', { type: 'button', class: 'ghost small', 'aria-label': `Edit “${task.title}”`,
        onclick: () => onEdit(task) }, 'Edit'),
      el('button', { type: 'button', class: 'ghost small danger', 'aria-label': `Delete “${task.title}”`,
        onclick: () => onDelete(task) }, 'Delete')));
}

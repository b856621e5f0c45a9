// The todoai web UI: sign in, the task list (filters, search, sort, paging), the task editor, and the live feed.
import { api, session, setUnauthorizedHandler, ApiError } from './api.js';
import { Feed } from './feed.js';
import { $, el, formatLocal, localInputToUtc, utcToLocalInput, reminderRow, showErrors, clearErrors, taskRow } from './views.js';

const PAGE = 20;
const UNDO_MS = 5000;
const state = { mode: 'sign-in', items: [], nextCursor: null, editing: null, feed: null, loadSeq: 0,
  pendingDeletes: new Map() };  // task id -> { task, timer, toast }: hidden now, DELETE sent when the undo time ends

// ---- toasts (in-page notifications) ----
function toast(message, { kind = 'info', title, timeout = 6000, action } = {}) {
  const node = el('div', { class: `toast ${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    title ? el('strong', { text: title }) : null, el('span', { text: message }),
    action ? el('button', { type: 'button', class: 'ghost small undo', onclick: () => { node.remove(); action.onClick(); } },
      action.label) : null,
    el('button', { type: 'button', class: 'ghost small', 'aria-label': 'Dismiss', onclick: () => node.remove() }, '×'));
  $('#toasts').append(node);
  if (timeout) setTimeout(() => node.remove(), timeout);
  return node;
}

// ---- auth ----
function setMode(mode) {
  state.mode = mode;
  const up = mode === 'sign-up';
  $('#auth-title').textContent = up ? 'Create your account' : 'Sign in';
  $('#auth-submit').textContent = up ? 'Create account' : 'Sign in';
  $('#tab-sign-in').setAttribute('aria-selected', String(!up));
  $('#tab-sign-up').setAttribute('aria-selected', String(up));
  $('#auth-password').autocomplete = up ? 'new-password' : 'current-password';
  for (const n of document.querySelectorAll('[data-only="sign-up"]')) n.hidden = !up;
  clearErrors($('#auth-form'));
}

async function submitAuth(e) {
  e.preventDefault();
  const form = $('#auth-form');
  const body = { email: $('#auth-email').value.trim(), password: $('#auth-password').value };
  if (state.mode === 'sign-up') body.name = $('#auth-name').value.trim();
  const button = $('#auth-submit');
  button.disabled = true;
  try {
    const res = state.mode === 'sign-up' ? await api.signUp(body) : await api.signIn(body);
    session.set({ token: res.token, user: res.user, expires_at: res.expires_at });
    form.reset();
    enterApp();
  } catch (err) {
    showErrors(form, err)?.focus?.();
  } finally {
    button.disabled = false;
  }
}

function signOut(message) {
  for (const id of [...state.pendingDeletes.keys()]) commitDelete(id);  // sent now, while the token is still here
  state.feed?.stop();
  state.feed = null;
  session.clear();
  state.items = [];
  $('#task-list').replaceChildren();
  $('#notif-list').replaceChildren();
  $('#notif-panel').hidden = true;
  showAuth();
  if (message) toast(message, { kind: 'error' });
}

function showAuth() {
  $('#session-bar').hidden = true;
  $('#tasks-view').hidden = true;
  $('#auth-view').hidden = false;
  setMode(state.mode);
  $('#auth-email').focus();
}

function enterApp() {
  const s = session.get();
  $('#who').textContent = s.user?.name || s.user?.email || '';
  $('#session-bar').hidden = false;
  $('#auth-view').hidden = true;
  $('#tasks-view').hidden = false;
  loadTasks();
  loadNotifications();
  syncPermissionButton();
  startFeed(s.token);
  $('#new-task').focus();
}

// ---- list ----
function filters() {
  const f = new FormData($('#filters'));
  return { q: f.get('q').trim(), tag: f.get('tag').trim().replace(/^#/, ''), status: f.get('status'), priority: f.get('priority'), sort: f.get('sort'),
    order: f.get('order') };
}

async function loadTasks({ append = false, keepCount = false } = {}) {
  const seq = ++state.loadSeq;
  const params = { ...filters(), limit: PAGE };
  if (append) params.cursor = state.nextCursor;
  else if (keepCount) params.limit = Math.min(200, Math.max(PAGE, state.items.length));
  try {
    const page = await api.listTasks(params);
    if (seq !== state.loadSeq) return;  // a newer load started meanwhile
    state.items = append ? state.items.concat(page.items) : page.items;
    state.nextCursor = page.next_cursor;
    $('#list-error').textContent = '';
    renderList();
  } catch (err) {
    if (seq === state.loadSeq && err.status !== 401) $('#list-error').textContent = `Could not load tasks: ${err.message}`;
  }
}

function renderList() {
  const handlers = { onToggle: toggleTask, onEdit: openEditor, onDelete: deleteTask, onTag: setTagFilter };
  const shown = state.items.filter((t) => !state.pendingDeletes.has(t.id));
  $('#task-list').replaceChildren(...shown.map((t) => taskRow(t, handlers)));
  $('#empty').hidden = shown.length > 0;
  $('#load-more').hidden = !state.nextCursor;
}

function setTagFilter(tag) {
  $('#f-tag').value = tag;
  $('#clear-tag').hidden = !tag;
  loadTasks();
  if (!tag) $('#f-tag').focus();
}

async function toggleTask(task) {
  try {
    await api.toggleComplete(task.id);
    await loadTasks({ keepCount: true });
  } catch (err) {
    toast(err.message, { kind: 'error', title: 'Could not update the task' });
    renderList();
  }
}

// Deleting hides the task at once and offers Undo; only when the undo time has passed is DELETE sent, so Undo needs
// no request and the task keeps its id.
function deleteTask(task) {
  const pending = { task };
  pending.timer = setTimeout(() => commitDelete(task.id), UNDO_MS);
  pending.toast = toast(`“${task.title}” deleted.`, { timeout: UNDO_MS,
    action: { label: 'Undo', onClick: () => undoDelete(task.id) } });
  pending.toast.querySelector('.undo').setAttribute('aria-label', `Undo deleting “${task.title}”`);
  state.pendingDeletes.set(task.id, pending);
  renderList();
  $('#new-task').focus();
}

function undoDelete(id) {
  const pending = state.pendingDeletes.get(id);
  if (!pending) return;
  clearTimeout(pending.timer);
  pending.toast.remove();
  state.pendingDeletes.delete(id);
  renderList();
  document.getElementById(`done-${id}`)?.focus();
}

async function commitDelete(id) {
  const pending = state.pendingDeletes.get(id);
  if (!pending) return;
  clearTimeout(pending.timer);
  pending.toast.remove();
  try {
    await api.deleteTask(id);
    state.items = state.items.filter((t) => t.id !== id);
  } catch (err) {
    if (err.status !== 404) toast(err.message, { kind: 'error', title: `Could not delete “${pending.task.title}”` });
  } finally {
    state.pendingDeletes.delete(id);
    renderList();
  }
}

// ---- a task's history (the audit trail) ----
const HISTORY = {
  'com.todoai.task.created': () => 'Created',
  'com.todoai.task.updated': () => 'Updated',
  'com.todoai.task.completed': () => 'Completed',
  'com.todoai.task.deleted': () => 'Deleted',
  'com.todoai.reminder.scheduled': (p) => (p.remind_at ? `Reminder scheduled for ${formatLocal(p.remind_at)}` : 'Reminder scheduled'),
  'com.todoai.reminder.fired': () => 'Reminder fired',
};

async function loadHistory(task) {
  const list = $('#history-list');
  const status = $('#history-status');
  list.replaceChildren();
  status.textContent = 'Loading…';
  try {
    const page = await api.audit({ task_id: task.id, limit: 100 });
    if (state.editing?.id !== task.id) return;
    list.replaceChildren(...page.items.map((e) => el('li', { class: 'history-item' },
      el('span', { text: (HISTORY[e.event_type] || (() => e.event_type))(e.payload || {}) }), ' — ',
      el('time', { datetime: e.timestamp, text: formatLocal(e.timestamp) }))));
    status.textContent = page.items.length ? '' : 'No history yet.';
  } catch (err) {
    status.textContent = `Could not load the history: ${err.message}`;
  }
}

// ---- the RRULE builder ("Custom…" recurrence) ----
const UNITS = { DAILY: 'day(s)', WEEKLY: 'week(s)', MONTHLY: 'month(s)', YEARLY: 'year(s)' };
const dayBoxes = () => [...document.querySelectorAll('#rr-days input[type="checkbox"]')];

// Parses the rules the builder can show (FREQ, INTERVAL, plain BYDAY, COUNT, UNTIL); null for anything else.
function parseRrule(text) {
  const parts = Object.fromEntries(text.replace(/^RRULE:/i, '').split(';').filter(Boolean).map((p) => p.split('=')));
  const r = { freq: parts.FREQ, interval: Number(parts.INTERVAL || 1), days: [], end: 'never' };
  if (!UNITS[r.freq] || !(r.interval >= 1)) return null;
  for (const k of Object.keys(parts)) if (!['FREQ', 'INTERVAL', 'BYDAY', 'COUNT', 'UNTIL'].includes(k)) return null;
  if (parts.BYDAY) {
    r.days = parts.BYDAY.split(',');
    if (r.freq !== 'WEEKLY' || r.days.some((d) => !/^(MO|TU|WE|TH|FR|SA|SU)$/.test(d))) return null;
  }
  if (parts.COUNT) { r.end = 'count'; r.count = Number(parts.COUNT); }
  if (parts.UNTIL) {
    const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z?)?$/.exec(parts.UNTIL);
    if (!m || parts.COUNT) return null;
    const d = m[4] ? new Date(Date.UTC(+m[1], m[2] - 1, +m[3], +m[4], +m[5], +m[6])) : new Date(+m[1], m[2] - 1, +m[3]);
    const p = (n) => String(n).padStart(2, '0');
    r.end = 'until';
    r.until = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;  // the local day
  }
  return r;
}

function setBuilder(r) {
  $('#rr-freq').value = r.freq;
  $('#rr-interval').value = String(r.interval);
  for (const box of dayBoxes()) box.checked = r.days.includes(box.value);
  $('#rr-end').value = r.end;
  $('#rr-count').value = String(r.count || 10);
  $('#rr-until').value = r.until || '';
}

function readBuilder() {
  const freq = $('#rr-freq').value;
  const interval = Number($('#rr-interval').value);
  if (!Number.isInteger(interval) || interval < 1) return { error: 'the interval must be a whole number of at least 1' };
  const parts = [`FREQ=${freq}`];
  if (interval > 1) parts.push(`INTERVAL=${interval}`);
  const days = dayBoxes().filter((b) => b.checked).map((b) => b.value);
  if (freq === 'WEEKLY' && days.length) parts.push(`BYDAY=${days.join(',')}`);
  const end = $('#rr-end').value;
  if (end === 'count') {
    const count = Number($('#rr-count').value);
    if (!Number.isInteger(count) || count < 1) return { error: 'the number of times must be at least 1' };
    parts.push(`COUNT=${count}`);
  } else if (end === 'until') {
    const day = $('#rr-until').value;
    if (!day) return { error: 'pick the end date' };
    // The end of that day in the browser's time zone, as UTC.
    const last = new Date(`${day}T23:59:59`).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    parts.push(`UNTIL=${last}`);
  }
  return { rrule: parts.join(';') };
}

function syncBuilder() {
  const custom = $('#t-recurrence').value === 'custom';
  $('#rrule-builder').hidden = !custom;
  const freq = $('#rr-freq').value;
  $('#rr-unit').textContent = UNITS[freq];
  $('#rr-days').hidden = freq !== 'WEEKLY';
  $('#rr-count-field').hidden = $('#rr-end').value !== 'count';
  $('#rr-until-field').hidden = $('#rr-end').value !== 'until';
  const r = readBuilder();
  $('#rr-preview').textContent = r.rrule || r.error;
}

// ---- editor ----
function addReminder(reminder) {
  $('#reminder-list').append(reminderRow(reminder, () => $('#add-reminder').focus()));
}

function openEditor(task = null) {
  state.editing = task;
  const form = $('#task-form');
  form.reset();
  clearErrors(form);
  $('#editor-title').textContent = task ? 'Edit task' : 'New task';
  $('#t-title').value = task?.title || '';
  $('#t-description').value = task?.description || '';
  $('#t-priority').value = task?.priority || 'medium';
  $('#t-status').value = task?.status || 'pending';
  $('#t-tags').value = (task?.tags || []).join(', ');
  $('#t-due').value = utcToLocalInput(task?.due_date);
  const rec = $('#t-recurrence');
  rec.querySelector('option[value="rrule"]')?.remove();
  const parsed = task?.rrule ? parseRrule(task.rrule) : null;
  if (task?.rrule && !parsed) rec.append(el('option', { value: 'rrule', text: `Custom (${task.rrule})` }));
  setBuilder(parsed || { freq: 'WEEKLY', interval: 1, days: [], end: 'never' });
  rec.value = task?.rrule ? (parsed ? 'custom' : 'rrule') : task?.recurrence_schedule || '';
  syncBuilder();
  $('#reminder-list').replaceChildren();
  for (const r of task?.reminders || []) addReminder(r);
  const history = $('#history');
  history.hidden = !task;
  history.open = false;
  if (task) loadHistory(task);
  $('#editor').showModal();
  $('#t-title').focus();
}

function readForm() {
  const localErrors = {};
  const due = localInputToUtc($('#t-due').value);
  if (due === undefined) localErrors.due_date = 'not a valid date and time';
  const reminders = [...$('#reminder-list').children].map((li) => li.readValue());
  if (reminders.some((r) => 'at' in r && !r.at)) localErrors.reminders = 'pick a date and time for each reminder';
  const rec = $('#t-recurrence').value;
  const old = state.editing;
  const body = {
    title: $('#t-title').value,
    description: $('#t-description').value,
    priority: $('#t-priority').value,
    status: $('#t-status').value,
    tags: $('#t-tags').value.split(',').map((t) => t.trim()).filter(Boolean),
    due_date: due ?? null,
    reminders,
    is_recurring: rec !== '',
    recurrence_schedule: rec && rec !== 'rrule' && rec !== 'custom' ? rec : null,
  };
  if (rec === 'rrule') body.rrule = old.rrule;
  if (rec === 'custom') {
    const r = readBuilder();
    if (r.error) localErrors.rrule = r.error;
    else body.rrule = r.rrule;
  }
  if (old?.recurrence_from) body.recurrence_from = old.recurrence_from;
  return { body, localErrors };
}

async function saveTask(e) {
  e.preventDefault();
  const form = $('#task-form');
  const { body, localErrors } = readForm();
  if (Object.keys(localErrors).length) {
    const err = new ApiError(422, { detail: 'Please fix the fields marked below.' });
    err.fields = localErrors;
    showErrors(form, err)?.focus?.();
    return;
  }
  const button = $('#save-task');
  button.disabled = true;
  try {
    const old = state.editing;
    const saved = old ? await api.replaceTask(old.id, body, old.version) : await api.createTask(body);
    $('#editor').close();
    toast(`“${saved.title}” ${old ? 'saved' : 'created'}.`);
    await loadTasks({ keepCount: true });
    $('#new-task').focus();
  } catch (err) {
    if (err.status === 412) err.problem.detail = 'This task was changed elsewhere; close and reopen it to edit the latest version.';
    showErrors(form, err.status === 412 ? Object.assign(err, { message: err.problem.detail }) : err)?.focus?.();
  } finally {
    button.disabled = false;
  }
}

// ---- notifications (reminders that fired) ----
async function loadNotifications() {
  try {
    const [page, unread] = await Promise.all([api.notifications({ limit: 50 }), api.notifications({ unread: 'true', limit: 200 })]);
    const n = unread.items.length;
    renderNotifications(page.items, n ? `${n}${unread.next_cursor ? '+' : ''}` : '');
  } catch (err) {
    if (err.status !== 401) $('#notif-empty').textContent = `Could not load notifications: ${err.message}`;
  }
}

function renderNotifications(items, unreadCount) {
  const count = $('#notif-count');
  count.textContent = String(unreadCount);
  count.hidden = !unreadCount;
  $('#notif-toggle').setAttribute('aria-label', unreadCount ? `Notifications (${unreadCount} unread)` : 'Notifications');
  $('#notif-empty').hidden = items.length > 0;
  $('#notif-list').replaceChildren(...items.map((n) => el('li', { class: `notif${n.read ? '' : ' unread'}`, 'data-id': n.id },
    el('span', { class: 'dot', 'aria-hidden': 'true' }),
    el('span', { class: 'n-body' },
      el('span', { class: 'n-title', text: n.title || 'A task' }),
      el('span', { class: 'visually-hidden', text: n.read ? '' : ' (unread)' }),
      el('time', { class: 'n-time', datetime: n.fired_at, text: `Reminded ${formatLocal(n.fired_at)}` })),
    n.read ? null : el('button', { type: 'button', class: 'ghost small', 'aria-label': `Mark “${n.title}” read`,
      onclick: () => markRead(n) }, 'Mark read'))));
}

async function markRead(n) {
  try {
    await api.markRead(n.id);
    await loadNotifications();
    $('#notif-toggle').focus();
  } catch (err) {
    toast(err.message, { kind: 'error', title: 'Could not mark it read' });
  }
}

// Browser notifications: a button to ask while the person has not decided; fired reminders use them once granted.
function syncPermissionButton() {
  $('#allow-notifications').hidden = !(window.Notification && Notification.permission === 'default');
}

async function askPermission() {
  try {
    const answer = await Notification.requestPermission();
    if (answer === 'granted') toast('Reminders will also show as browser notifications.');
    else if (answer === 'denied') toast('Browser notifications are off; reminders still show in the page.');
  } catch (err) {
    toast(err.message, { kind: 'error', title: 'Could not ask for notifications' });
  }
  syncPermissionButton();
  if ($('#allow-notifications').hidden) $('#notif-toggle').focus();
}

function toggleNotifications() {
  const panel = $('#notif-panel');
  panel.hidden = !panel.hidden;
  $('#notif-toggle').setAttribute('aria-expanded', String(!panel.hidden));
  if (!panel.hidden) loadNotifications();
}

// ---- live feed ----
let reloadTimer = null;
function scheduleReload() {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(() => loadTasks({ keepCount: true }), 50);
}

function onEvent(ev) {
  const type = ev.type || '';
  if (type.startsWith('com.todoai.task.')) scheduleReload();
  else if (type === 'com.todoai.reminder.fired') {
    const p = ev.data?.payload || {};
    toast(p.title || 'A task', { kind: 'reminder', title: 'Reminder', timeout: 0 });
    loadNotifications();
    setTimeout(loadNotifications, 400);  // in case the event outran the notification's record
    if (window.Notification?.permission === 'granted') {
      try { new Notification('todoai reminder', { body: p.title || 'A task', tag: ev.id }); } catch { /* e.g. needs a service worker */ }
    }
  }
}

function startFeed(token) {
  state.feed?.stop();
  const status = $('#live-status');
  state.feed = new Feed({
    token,
    onEvent,
    onResync: () => { scheduleReload(); loadNotifications(); },
    onStatus: (s) => {
      status.dataset.state = s;
      status.textContent = { live: 'live', connecting: 'connecting…', reconnecting: 'reconnecting…', off: 'offline' }[s];
    },
  });
  state.feed.start();
}

// ---- wiring ----
function init() {
  $('#tz-hint').textContent = `(${Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time'})`;
  $('#tab-sign-in').addEventListener('click', () => setMode('sign-in'));
  $('#tab-sign-up').addEventListener('click', () => setMode('sign-up'));
  $('#auth-form').addEventListener('submit', submitAuth);
  $('#sign-out').addEventListener('click', () => signOut());
  $('#new-task').addEventListener('click', () => openEditor());
  $('#notif-toggle').addEventListener('click', toggleNotifications);
  $('#allow-notifications').addEventListener('click', askPermission);
  $('#task-form').addEventListener('submit', saveTask);
  $('#t-recurrence').addEventListener('change', syncBuilder);
  $('#rrule-builder').addEventListener('input', syncBuilder);
  $('#rrule-builder').addEventListener('change', syncBuilder);
  $('#cancel-edit').addEventListener('click', () => $('#editor').close());
  $('#add-reminder').addEventListener('click', () => {
    addReminder();
    $('#reminder-list').lastElementChild?.querySelector('select')?.focus();
  });
  $('#load-more').addEventListener('click', () => loadTasks({ append: true }));
  let searchTimer = null;
  $('#filters').addEventListener('input', (e) => {
    clearTimeout(searchTimer);
    $('#clear-tag').hidden = !$('#f-tag').value;
    searchTimer = setTimeout(() => loadTasks(), e.target.type === 'search' ? 250 : 0);
  });
  $('#clear-tag').addEventListener('click', () => setTagFilter(''));
  $('#filters').addEventListener('submit', (e) => { e.preventDefault(); loadTasks(); });
  // Leaving the page ends the undo time: the hidden deletions are sent (keepalive outlives the page).
  window.addEventListener('pagehide', () => {
    for (const id of state.pendingDeletes.keys()) api.deleteTask(id, { keepalive: true }).catch(() => {});
  });
  setUnauthorizedHandler(() => signOut('Your session has ended; please sign in again.'));

  const s = session.get();
  if (s?.token && (!s.expires_at || new Date(s.expires_at) > new Date())) enterApp();
  else { session.clear(); showAuth(); }
}

init();

// A fetch wrapper for the todoai API: JSON in and out, the bearer token from the session, and problem+json turned
// into an ApiError whose `fields` maps each field the server named (errors[].field) to its message.

const KEY = 'todoai.session';

export const session = {
  get() {
    try { return JSON.parse(sessionStorage.getItem(KEY)); } catch { return null; }
  },
  set(value) { sessionStorage.setItem(KEY, JSON.stringify(value)); },
  clear() { sessionStorage.removeItem(KEY); },
};

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `request failed (${status})`);
    this.status = status;
    this.problem = problem || {};
    this.fields = {};
    for (const e of this.problem.errors || []) {
      const field = e.field || '';
      this.fields[field] = this.fields[field] ? `${this.fields[field]}; ${e.message}` : e.message;
    }
  }
}

let onUnauthorized = () => {};
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

export async function request(method, path, { body, headers = {}, auth = true, keepalive = false, page = false } = {}) {
  const h = { Accept: 'application/json, application/problem+json', ...headers };
  const s = session.get();
  if (auth && s?.token) h.Authorization = `Bearer ${s.token}`;
  if (body !== undefined) h['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers: h, keepalive, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, { detail: 'The server cannot be reached. Check your connection and try again.' });
  }
  if (res.status === 204) return null;
  const text = await res.text();
  let data = null;
  if (text) { try { data = JSON.parse(text); } catch { data = { detail: text }; } }
  if (!res.ok) {
    const err = new ApiError(res.status, data);
    if (res.status === 401 && auth) onUnauthorized(err);
    throw err;
  }
  // A list answers a JSON array; the next page's cursor comes in X-Next-Cursor (and Link), absent on the last page.
  if (page) return { items: data || [], next_cursor: res.headers.get('X-Next-Cursor') };
  return data;
}

const uid = () => encodeURIComponent(session.get()?.user?.id || '');

export const api = {
  signUp: (body) => request('POST', '/api/auth/sign-up', { body, auth: false }),
  signIn: (body) => request('POST', '/api/auth/sign-in', { body, auth: false }),
  listTasks(params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
    return request('GET', `/api/${uid()}/tasks?${q}`, { page: true });
  },
  createTask: (task) => request('POST', `/api/${uid()}/tasks`, { body: task }),
  replaceTask: (id, task, version) =>
    request('PUT', `/api/${uid()}/tasks/${encodeURIComponent(id)}`, {
      body: task, headers: version ? { 'If-Match': `"${version}"` } : {},
    }),
  toggleComplete: (id) => request('PATCH', `/api/${uid()}/tasks/${encodeURIComponent(id)}/complete`),
  deleteTask: (id, { keepalive = false } = {}) =>
    request('DELETE', `/api/${uid()}/tasks/${encodeURIComponent(id)}`, { keepalive }),
  audit: (params = {}) => request('GET', `/api/${uid()}/audit?${new URLSearchParams(params)}`, { page: true }),
  notifications: (params = {}) =>
    request('GET', `/api/${uid()}/notifications?${new URLSearchParams(params)}`, { page: true }),
  markRead: (id) => request('POST', `/api/${uid()}/notifications/${encodeURIComponent(id)}/read`),
};

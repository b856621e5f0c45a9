// The live feed: a WebSocket to /ws that reconnects by itself (with backoff) and asks for what it missed with
// ?after=<last event id>. The token travels only in this URL's query (a WebSocket cannot send headers).

export class Feed {
  constructor({ token, onEvent, onResync, onStatus }) {
    this.token = token;
    this.onEvent = onEvent;
    this.onResync = onResync;
    this.onStatus = onStatus || (() => {});
    this.lastId = null;
    this.delay = 500;
    this.stopped = false;
    this.ws = null;
    this.timer = null;
  }

  start() { this.stopped = false; this.connect(); }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.ws) { this.ws.onclose = null; this.ws.close(1000); this.ws = null; }
    this.onStatus('off');
  }

  connect() {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const q = new URLSearchParams({ token: this.token });
    if (this.lastId) q.set('after', this.lastId);
    const ws = new WebSocket(`${proto}//${location.host}/ws?${q}`);
    this.ws = ws;
    this.onStatus('connecting');
    const reconnect = this.opened;
    ws.onopen = () => {
      this.delay = 500;
      this.opened = true;
      this.onStatus('live');
      if (reconnect && !this.lastId) this.onResync();  // nothing to replay from: reload instead
    };
    ws.onmessage = (m) => {
      let ev;
      try { ev = JSON.parse(m.data); } catch { return; }
      if (ev.type === 'com.todoai.resync') { this.lastId = null; this.onResync(); return; }
      if (ev.id) this.lastId = ev.id;
      this.onEvent(ev);
    };
    ws.onclose = () => {
      this.ws = null;
      if (this.stopped) return;
      this.onStatus('reconnecting');
      this.timer = setTimeout(() => this.connect(), this.delay);
      this.delay = Math.min(this.delay * 2, 10000);
    };
  }
}

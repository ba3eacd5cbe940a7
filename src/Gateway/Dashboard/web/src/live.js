// Live figures: one SignalR subscription per view on /hubs/metrics (DESIGN 5), with the REST snapshot
// as the first paint and as the fallback while the hub cannot be reached.
import { HubConnectionBuilder, HubConnectionState, LogLevel } from '@microsoft/signalr';

export const State = Object.freeze({ Connecting: 'connecting', Live: 'live', Reconnecting: 'reconnecting', Offline: 'offline' });

// Delays of the client's own reconnect attempts after a drop; after the last one the connection is closed
// and this module restarts it on its own, slower schedule.
const RECONNECT_DELAYS_MS = [0, 1000, 3000, 5000];
const RESTART_DELAYS_MS = [2000, 5000, 10000, 20000, 30000];
// While not live, figures are refreshed through REST this often.
const REST_POLL_MS = 10_000;
// Messages kept for a subscription id whose Subscribe call has not returned yet.
const EARLY_MESSAGES_CAP = 2000;

/** The rows of one view, keyed by their groupBy dimension values. */
export class RowStore {
  constructor(groupBy) {
    this.groupBy = groupBy;
    this.rows = new Map();
    // Keys touched by the last message, for the page to highlight.
    this.changed = new Set();
  }

  key(row) {
    return JSON.stringify(this.groupBy.map((d) => row[d] ?? null));
  }

  replace(rows) {
    this.rows.clear();
    for (const row of rows) {
      this.rows.set(this.key(row), row);
    }
    this.changed = new Set();
  }

  apply(rows, removed) {
    this.changed = new Set();
    for (const row of rows) {
      const key = this.key(row);
      this.rows.set(key, row);
      this.changed.add(key);
    }
    for (const gone of removed) {
      this.rows.delete(this.key(gone));
    }
  }

  values() {
    return [...this.rows.values()];
  }
}

export class LiveFeed {
  /**
   * @param {object} o
   * @param {import('./auth.js').Session} o.session
   * @param {import('./api.js').Api} o.api
   * @param {(state: string, detail: string) => void} o.onState
   * @param {(viewId: string, kind: 'rest'|'snapshot'|'update') => void} o.onView
   * @param {(message: string|null) => void} o.onError
   * @param {import('@microsoft/signalr').HubConnection} [o.connection] the hub connection (tests pass a fake one)
   */
  constructor({ session, api, onState, onView, onError, connection = hubConnection(session) }) {
    this.session = session;
    this.api = api;
    this.onState = onState;
    this.onView = onView;
    this.onError = onError;
    this.state = State.Connecting;
    this.detail = '';
    this.tenant = null;
    this.views = new Map();
    this.bySubscription = new Map();
    this.early = new Map();
    this.pendingSubscribes = 0;
    this.generation = 0;
    this.restarts = 0;
    this.restartTimer = null;
    this.lastRestLoad = 0;
    this.stopped = false;
    this.connection = connection;
    this.connection.on('snapshot', (id, payload) => this.#receive(id, 'snapshot', payload));
    this.connection.on('update', (id, payload) => this.#receive(id, 'update', payload));
    this.connection.onreconnecting(() => {
      this.#forgetSubscriptions();
      this.#setState(State.Reconnecting);
    });
    this.connection.onreconnected(() => {
      this.restarts = 0;
      this.#setState(State.Live);
      this.#subscribeAll();
    });
    this.connection.onclose(() => {
      this.#forgetSubscriptions();
      this.#setState(State.Offline);
      this.#scheduleRestart();
    });
  }

  /** Connects to the hub (and keeps trying); the views are served by REST meanwhile. */
  start() {
    this.stopped = false;
    this.#connect();
  }

  /** Stops trying and closes the connection. */
  async stop() {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    this.restartTimer = null;
    await this.connection.stop();
  }

  /**
   * Shows these views of a tenant from now on: each `{ id, query }` with query `{ from, to, groupBy, metrics, filter }`.
   * Old subscriptions are dropped, the new views painted from REST unless the hub is live, then subscribed.
   */
  async show(tenant, definitions) {
    const generation = ++this.generation;
    for (const view of this.views.values()) {
      if (view.subscriptionId) {
        this.#unsubscribeQuietly(view.subscriptionId);
      }
    }
    this.bySubscription.clear();
    this.early.clear();
    this.tenant = tenant;
    this.views = new Map(
      definitions.map((d) => [d.id, { id: d.id, query: d.query, store: new RowStore(d.query.groupBy), subscriptionId: null, version: null }]),
    );
    if (this.state === State.Live) {
      await this.#subscribeAll(generation);
    } else {
      await this.refreshByRest(generation);
    }
  }

  /** Re-reads every view through REST (the hub, when live, keeps them current by itself). */
  async refreshByRest(generation = this.generation) {
    this.lastRestLoad = Date.now();
    const views = [...this.views.values()];
    const results = await Promise.allSettled(views.map((v) => this.api.snapshot(this.tenant, v.query)));
    if (generation !== this.generation) {
      return;
    }
    let failure = null;
    results.forEach((result, i) => {
      const view = views[i];
      if (result.status === 'rejected') {
        failure ??= result.reason;
        return;
      }
      // A live snapshot is newer than any REST answer that was in flight with it.
      if (view.version === null) {
        view.store.replace(result.value.rows ?? []);
        this.onView(view.id, 'rest');
      }
    });
    this.onError(failure ? `No se pudieron leer las cifras: ${failure.message}` : null);
  }

  /** Called every second by the page: REST refreshes while the hub is not live. */
  tick() {
    if (this.state !== State.Live && this.tenant && Date.now() - this.lastRestLoad >= REST_POLL_MS) {
      this.refreshByRest().catch(() => {});
    }
  }

  async #connect() {
    clearTimeout(this.restartTimer);
    this.restartTimer = null;
    this.#setState(this.restarts === 0 ? State.Connecting : State.Reconnecting);
    try {
      await this.connection.start();
    } catch (error) {
      this.detail = error?.message ?? '';
      if (error?.statusCode === 401 && this.session.isDev) {
        // A restarted embedded default signs with a new key: renew the demo token before the next try.
        await this.session.tryDevSignIn({ force: true });
      }
      this.#setState(State.Offline);
      this.#scheduleRestart();
      return;
    }
    this.restarts = 0;
    this.#setState(State.Live);
    await this.#subscribeAll();
  }

  #scheduleRestart() {
    if (this.stopped || this.restartTimer !== null || this.connection.state !== HubConnectionState.Disconnected) {
      return;
    }
    const delay = RESTART_DELAYS_MS[Math.min(this.restarts, RESTART_DELAYS_MS.length - 1)];
    this.restarts++;
    this.restartTimer = setTimeout(() => this.#connect(), delay);
  }

  async #subscribeAll(generation = this.generation) {
    await Promise.all([...this.views.values()].map((view) => this.#subscribe(view, generation)));
  }

  #hubQuery(query) {
    const q = { from: query.from, to: query.to, groupBy: query.groupBy, metrics: query.metrics, filter: query.filter ?? {} };
    // The hub honours `tenant` for operators only; everyone else is served the tenant of their token.
    if (this.session.role === 'operator') {
      q.tenant = this.tenant;
    }
    return q;
  }

  async #subscribe(view, generation) {
    if (this.connection.state !== HubConnectionState.Connected) {
      return;
    }
    const previous = view.subscriptionId;
    if (previous) {
      this.bySubscription.delete(previous);
    }
    view.subscriptionId = null;
    view.version = null;
    this.pendingSubscribes++;
    let id;
    try {
      id = await this.connection.invoke('Subscribe', this.#hubQuery(view.query));
    } catch (error) {
      // A dropped connection resubscribes on its own; anything else is the server naming a problem.
      if (this.connection.state === HubConnectionState.Connected) {
        this.onError(`El servidor rechazó la suscripción: ${error?.message ?? error}`);
      }
      return;
    } finally {
      this.pendingSubscribes--;
      if (previous) {
        this.#unsubscribeQuietly(previous);
      }
    }
    if (generation !== this.generation || this.views.get(view.id) !== view) {
      this.#unsubscribeQuietly(id);
      return;
    }
    view.subscriptionId = id;
    this.bySubscription.set(id, view);
    const early = this.early.get(id) ?? [];
    this.early.delete(id);
    if (this.pendingSubscribes === 0) {
      this.early.clear();
    }
    for (const message of early) {
      this.#apply(view, message.kind, message.payload);
    }
  }

  #unsubscribeQuietly(id) {
    if (this.connection.state === HubConnectionState.Connected) {
      this.connection.invoke('Unsubscribe', id).catch(() => {});
    }
  }

  #receive(id, kind, payload) {
    const view = this.bySubscription.get(id);
    if (view) {
      this.#apply(view, kind, payload);
      return;
    }
    // The server may send the snapshot before the Subscribe call has returned the id.
    if (this.pendingSubscribes > 0) {
      const queue = this.early.get(id) ?? [];
      if (queue.length < EARLY_MESSAGES_CAP) {
        queue.push({ kind, payload });
        this.early.set(id, queue);
      }
    }
  }

  #apply(view, kind, payload) {
    if (kind === 'snapshot') {
      view.store.replace(payload?.rows ?? []);
      view.version = payload?.version ?? 0;
    } else {
      if (view.version === null || payload?.version !== view.version + 1) {
        // A lost or reordered message: start the view again from a fresh snapshot. The old id is forgotten
        // at once, so its later messages are ignored while the new Subscribe is under way.
        this.#subscribe(view, this.generation);
        return;
      }
      view.store.apply(payload.rows ?? [], payload.removed ?? []);
      view.version = payload.version;
    }
    this.onView(view.id, kind);
  }

  #forgetSubscriptions() {
    for (const view of this.views.values()) {
      view.subscriptionId = null;
      view.version = null;
    }
    this.bySubscription.clear();
    this.early.clear();
  }

  #setState(state) {
    this.state = state;
    if (state === State.Live) {
      this.detail = '';
    }
    this.onState(state, this.detail);
  }

}

/** The connection of DESIGN 5: the token in the query string for WebSockets, reconnecting by itself for a while. */
function hubConnection(session) {
  return new HubConnectionBuilder()
    .withUrl('/hubs/metrics', { accessTokenFactory: () => session.currentToken() })
    .withAutomaticReconnect(RECONNECT_DELAYS_MS)
    // The client's own diagnostics stay out of the console: the page shows the connection state instead.
    .configureLogging(LogLevel.None)
    .build();
}

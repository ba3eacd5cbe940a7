// The page's side of the hub contract (DESIGN 5) against a fake connection: snapshots and updates applied by
// version, a gap answered by a new Subscribe (and Unsubscribe of the old id), messages that beat Subscribe's
// answer kept, resubscription after a reconnect, REST only while not live.
//
//   node --test src/Gateway/Dashboard/web/test/      (scripts/browser-test.sh runs it)
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { HubConnectionState } from '@microsoft/signalr';
import { LiveFeed } from '../src/live.js';

/** A stand-in for HubConnection: records invocations, lets the test deliver server messages. */
class FakeHub {
  constructor({ refuseStart = false } = {}) {
    this.state = HubConnectionState.Disconnected;
    this.refuseStart = refuseStart;
    this.handlers = new Map();
    this.invocations = [];
    this.subscriptions = 0;
    // Called inside Subscribe before its answer, as a server that sends the snapshot first would.
    this.beforeSubscribeAnswer = null;
  }

  on(name, handler) {
    this.handlers.set(name, handler);
  }

  onreconnecting(handler) {
    this.reconnecting = handler;
  }

  onreconnected(handler) {
    this.reconnected = handler;
  }

  onclose(handler) {
    this.closed = handler;
  }

  async start() {
    if (this.refuseStart) {
      throw new Error('Failed to complete negotiation with the server');
    }
    this.state = HubConnectionState.Connected;
  }

  async stop() {
    this.state = HubConnectionState.Disconnected;
  }

  async invoke(method, ...args) {
    this.invocations.push({ method, args });
    if (method !== 'Subscribe') {
      return true;
    }
    const id = `sub-${++this.subscriptions}`;
    this.beforeSubscribeAnswer?.(id, args[0]);
    return id;
  }

  send(method, id, payload) {
    this.handlers.get(method)(id, payload);
  }

  called(method) {
    return this.invocations.filter((i) => i.method === method).map((i) => i.args[0]);
  }
}

// Lets pending promise continuations run (no time passes).
const settle = () => new Promise((resolve) => setImmediate(resolve));

const query = { from: '2026-03-02', to: '2026-03-02', groupBy: ['ejecutivo'], metrics: ['total_gestiones'], filter: {} };
const feeds = [];

function feedWith(hub, { role = 'admin', restRows = [] } = {}) {
  const events = { states: [], views: [], errors: [], restCalls: 0 };
  const feed = new LiveFeed({
    session: { role, isDev: false, currentToken: async () => 'token', tryDevSignIn: async () => false },
    api: {
      snapshot: async () => {
        events.restCalls++;
        return { rows: restRows };
      },
    },
    onState: (state) => events.states.push(state),
    onView: (id, kind) => events.views.push(`${id}:${kind}`),
    onError: (message) => message && events.errors.push(message),
    connection: hub,
  });
  feeds.push(feed);
  return { feed, events };
}

async function liveFeed(options) {
  const hub = new FakeHub();
  const { feed, events } = feedWith(hub, options);
  feed.start();
  await settle();
  await feed.show('demo', [{ id: 'ranking', query }]);
  await settle();
  return { hub, feed, events, store: () => feed.views.get('ranking').store };
}

const figures = (store) => Object.fromEntries(store.values().map((r) => [r.ejecutivo, r.total_gestiones]));

afterEach(async () => {
  await Promise.all(feeds.splice(0).map((f) => f.stop()));
});

test('a snapshot then updates one version apart change, add and remove rows', async () => {
  const { hub, events, store } = await liveFeed();
  assert.deepEqual(hub.called('Subscribe'), [query]);

  hub.send('snapshot', 'sub-1', { version: 1, rows: [{ ejecutivo: 'EJ1', total_gestiones: 3 }, { ejecutivo: 'EJ2', total_gestiones: 1 }] });
  hub.send('update', 'sub-1', { version: 2, rows: [{ ejecutivo: 'EJ1', total_gestiones: 5 }, { ejecutivo: 'EJ3', total_gestiones: 1 }], removed: [{ ejecutivo: 'EJ2' }] });

  assert.deepEqual(figures(store()), { EJ1: 5, EJ3: 1 });
  assert.deepEqual([...store().changed], [JSON.stringify(['EJ1']), JSON.stringify(['EJ3'])]);
  assert.deepEqual(events.views, ['ranking:snapshot', 'ranking:update']);
  assert.equal(events.states.at(-1), 'live');
  assert.equal(events.restCalls, 0, 'a live page needs no REST read');
});

test('a gap in versions subscribes again, drops the old id and ignores its later messages', async () => {
  const { hub, store } = await liveFeed();
  hub.send('snapshot', 'sub-1', { version: 1, rows: [{ ejecutivo: 'EJ1', total_gestiones: 3 }] });

  hub.send('update', 'sub-1', { version: 3, rows: [{ ejecutivo: 'EJ1', total_gestiones: 9 }], removed: [] });
  await settle();

  assert.equal(hub.called('Subscribe').length, 2);
  assert.deepEqual(hub.called('Unsubscribe'), ['sub-1']);
  assert.deepEqual(figures(store()), { EJ1: 3 }, 'the update after the gap is not applied');

  hub.send('update', 'sub-1', { version: 4, rows: [{ ejecutivo: 'EJ1', total_gestiones: 10 }], removed: [] });
  hub.send('snapshot', 'sub-2', { version: 1, rows: [{ ejecutivo: 'EJ1', total_gestiones: 9 }] });
  hub.send('update', 'sub-2', { version: 2, rows: [{ ejecutivo: 'EJ1', total_gestiones: 11 }], removed: [] });
  assert.deepEqual(figures(store()), { EJ1: 11 });
});

test('an update before any snapshot counts as a gap', async () => {
  const { hub } = await liveFeed();
  hub.send('update', 'sub-1', { version: 1, rows: [], removed: [] });
  await settle();
  assert.equal(hub.called('Subscribe').length, 2);
});

test('messages sent before Subscribe answers are applied once the id is known', async () => {
  const hub = new FakeHub();
  hub.beforeSubscribeAnswer = (id) => {
    hub.send('snapshot', id, { version: 1, rows: [{ ejecutivo: 'EJ1', total_gestiones: 2 }] });
    hub.send('update', id, { version: 2, rows: [{ ejecutivo: 'EJ1', total_gestiones: 4 }], removed: [] });
  };
  const { feed } = feedWith(hub);
  feed.start();
  await settle();
  await feed.show('demo', [{ id: 'ranking', query }]);
  await settle();
  assert.deepEqual(figures(feed.views.get('ranking').store), { EJ1: 4 });
});

test('after a reconnect every view is subscribed again and old ids are ignored', async () => {
  const { hub, events, store } = await liveFeed();
  hub.send('snapshot', 'sub-1', { version: 1, rows: [{ ejecutivo: 'EJ1', total_gestiones: 3 }] });

  hub.state = HubConnectionState.Reconnecting;
  hub.reconnecting(new Error('connection lost'));
  assert.equal(events.states.at(-1), 'reconnecting');
  hub.state = HubConnectionState.Connected;
  hub.reconnected('new-connection');
  await settle();

  assert.equal(events.states.at(-1), 'live');
  assert.equal(hub.called('Subscribe').length, 2);
  hub.send('update', 'sub-1', { version: 2, rows: [{ ejecutivo: 'EJ1', total_gestiones: 99 }], removed: [] });
  hub.send('snapshot', 'sub-2', { version: 1, rows: [{ ejecutivo: 'EJ1', total_gestiones: 4 }] });
  assert.deepEqual(figures(store()), { EJ1: 4 });
});

test('while the hub is unreachable the views come from REST and the state is offline', async () => {
  const hub = new FakeHub({ refuseStart: true });
  const { feed, events } = feedWith(hub, { restRows: [{ ejecutivo: 'EJ7', total_gestiones: 7 }] });
  feed.start();
  await settle();
  await feed.show('demo', [{ id: 'ranking', query }]);

  assert.equal(events.states.at(-1), 'offline');
  assert.equal(events.restCalls, 1);
  assert.deepEqual(figures(feed.views.get('ranking').store), { EJ7: 7 });
  assert.deepEqual(events.errors, []);
  assert.equal(hub.called('Subscribe').length, 0);
});

test('a REST answer never replaces a live snapshot', async () => {
  const { hub, feed, store } = await liveFeed({ restRows: [{ ejecutivo: 'EJ1', total_gestiones: 1 }] });
  hub.send('snapshot', 'sub-1', { version: 1, rows: [{ ejecutivo: 'EJ1', total_gestiones: 8 }] });
  await feed.refreshByRest();
  assert.deepEqual(figures(store()), { EJ1: 8 });
});

test('a new period drops the old subscriptions; only an operator names the tenant', async () => {
  const { hub, feed } = await liveFeed();
  await feed.show('demo', [{ id: 'ranking', query: { ...query, from: '2026-03-01' } }]);
  await settle();
  assert.deepEqual(hub.called('Unsubscribe'), ['sub-1']);
  assert.equal(hub.called('Subscribe')[1].tenant, undefined);

  const operator = await liveFeed({ role: 'operator' });
  assert.equal(operator.hub.called('Subscribe')[0].tenant, 'demo');
});

test('a Subscribe the server refuses is reported with its message', async () => {
  const hub = new FakeHub();
  hub.beforeSubscribeAnswer = () => {
    throw new Error("HubException: unknown metric 'nope'");
  };
  const { feed, events } = feedWith(hub);
  feed.start();
  await settle();
  await feed.show('demo', [{ id: 'ranking', query }]);
  assert.equal(events.errors.length, 1);
  assert.match(events.errors[0], /unknown metric 'nope'/);
});

// The supervisors' dashboard: sign-in, period and filters, and the live views of one tenant.
import { Api, ApiError } from './api.js';
import { Session } from './auth.js';
import { Charts } from './charts.js';
import { formatAge, formatMetric, todayIn } from './format.js';
import { LEADERBOARD_METRICS, Leaderboard } from './leaderboard.js';
import { LiveFeed } from './live.js';

const $ = (id) => document.getElementById(id);

const STATE_LABELS = {
  connecting: 'Conectando…',
  live: 'En vivo',
  reconnecting: 'Reconectando…',
  offline: 'Sin conexión (reintentando)',
};
const EXPORT_ROLES = ['analyst', 'admin', 'operator'];
const UNMAPPED_REFRESH_MS = 60_000;
const UNMAPPED_SHOWN = 20;

/** The views the page shows; their queries follow the period and filters chosen. */
function viewDefinitions({ from, to, canal }) {
  const filter = canal ? { canal: [canal] } : {};
  return [
    { id: 'ranking', query: { from, to, groupBy: ['ejecutivo'], metrics: LEADERBOARD_METRICS.map((m) => m.metric), filter } },
    { id: 'hora', query: { from, to, groupBy: ['hora'], metrics: ['total_gestiones', 'contactos', 'compromisos'], filter } },
    { id: 'categoria', query: { from, to, groupBy: ['categoria'], metrics: ['total_gestiones'], filter } },
    { id: 'canal', query: { from, to, groupBy: ['canal'], metrics: ['total_gestiones', 'contactos', 'tasa_contactabilidad'], filter } },
  ];
}

function showNotice(element, text) {
  element.textContent = text ?? '';
  element.hidden = !text;
}

class Dashboard {
  constructor(session, api, tenant, settings) {
    this.session = session;
    this.api = api;
    this.tenant = tenant;
    this.timeZone = settings.timeZone || Intl.DateTimeFormat().resolvedOptions().timeZone;
    this.leaderboard = new Leaderboard($('ranking'));
    this.charts = new Charts();
    this.dirty = new Set();
    this.frame = 0;
    this.lastUpdate = null;
    this.unmappedAt = 0;
    this.unmappedTimer = null;
    this.sinHomologar = null;
    this.followToday = true;
    this.feed = new LiveFeed({
      session,
      api,
      onState: (state, detail) => this.#showState(state, detail),
      onView: (id, kind) => this.#viewChanged(id, kind),
      onError: (message) => showNotice($('aviso'), message),
    });

    $('cliente').textContent = `${settings.displayName || tenant} · ${tenant}`;
    $('zona').textContent = `Fechas y horas en la zona del cliente: ${this.timeZone}`;
    document.title = `Pulso — ${settings.displayName || tenant}`;
  }

  start() {
    const today = todayIn(this.timeZone);
    $('desde').value = today;
    $('hasta').value = today;
    this.#wireControls();
    $('tablero').hidden = false;
    $('conexion').hidden = false;
    this.feed.start();
    this.#apply();
    setInterval(() => this.#tick(), 1000);
  }

  #wireControls() {
    $('filtros').addEventListener('submit', (event) => {
      event.preventDefault();
      this.#apply({ byRest: true });
    });
    for (const id of ['desde', 'hasta']) {
      $(id).addEventListener('change', () => {
        if ($('desde').value && $('hasta').value) {
          this.#apply();
        }
      });
    }
    $('canal').addEventListener('change', () => this.#apply());
    $('hoy').addEventListener('click', () => {
      const today = todayIn(this.timeZone);
      $('desde').value = today;
      $('hasta').value = today;
      this.#apply();
    });
    $('descargar-csv').addEventListener('click', () => this.#download('csv'));
    $('descargar-arrow').addEventListener('click', () => this.#download('arrow'));
    if (this.session.role === 'operator') {
      const field = $('cliente-elegido');
      field.value = this.tenant;
      $('campo-cliente').hidden = false;
      field.addEventListener('change', () => {
        const chosen = field.value.trim().toLowerCase();
        if (chosen && chosen !== this.tenant) {
          const url = new URL(window.location.href);
          url.searchParams.set('cliente', chosen);
          window.location.assign(url);
        }
      });
    }
  }

  /** Reads the period and filters from the form and shows them (a REST refresh too when asked and not live). */
  #apply({ byRest = false } = {}) {
    let from = $('desde').value;
    let to = $('hasta').value;
    if (!from || !to) {
      showNotice($('aviso'), 'Elija las fechas «Desde» y «Hasta».');
      return;
    }
    if (from > to) {
      [from, to] = [to, from];
      $('desde').value = from;
      $('hasta').value = to;
    }
    const today = todayIn(this.timeZone);
    this.followToday = from === today && to === today;
    const query = { from, to, canal: $('canal').value };
    const same = this.query && this.query.from === from && this.query.to === to && this.query.canal === query.canal;
    this.query = query;
    if (same && byRest && this.feed.state !== 'live') {
      this.feed.refreshByRest().catch(() => {});
    } else {
      this.feed.show(this.tenant, viewDefinitions(query)).catch((error) => showNotice($('aviso'), error.message));
    }
    this.#refreshUnmapped();
  }

  #viewChanged(id, kind) {
    this.lastUpdate = Date.now();
    this.#renderAge();
    this.dirty.add(id);
    // A homologation change arrives as fresh snapshots: the list of unmapped values may have changed too.
    if (kind === 'snapshot' && id === 'categoria') {
      this.#refreshUnmappedSoon();
    }
    if (!this.frame) {
      this.frame = requestAnimationFrame(() => this.#render());
    }
  }

  #render() {
    this.frame = 0;
    const views = this.feed.views;
    for (const id of this.dirty) {
      const view = views.get(id);
      if (!view) {
        continue;
      }
      const rows = view.store.values();
      switch (id) {
        case 'ranking':
          this.leaderboard.render(view.store);
          break;
        case 'hora':
          this.charts.showHours(rows);
          break;
        case 'categoria': {
          this.charts.showCategories(rows, $('tabla-categoria'));
          const unmapped = rows.find((r) => r.categoria === 'SIN_HOMOLOGAR')?.total_gestiones ?? 0;
          if (this.sinHomologar !== null && unmapped !== this.sinHomologar) {
            this.#refreshUnmappedSoon();
          }
          this.sinHomologar = unmapped;
          break;
        }
        case 'canal':
          this.charts.showChannels(rows, $('tabla-canal'));
          break;
        default:
          break;
      }
    }
    this.dirty.clear();
  }

  #showState(state, detail) {
    const pill = $('estado');
    pill.dataset.estado = state;
    pill.textContent = STATE_LABELS[state] ?? state;
    pill.title = detail || '';
  }

  #renderAge() {
    const age = $('edad');
    if (this.lastUpdate === null) {
      age.textContent = 'sin datos aún';
      age.removeAttribute('datetime');
      return;
    }
    age.dateTime = new Date(this.lastUpdate).toISOString();
    age.textContent = formatAge(Date.now() - this.lastUpdate);
  }

  #tick() {
    this.#renderAge();
    this.feed.tick();
    if (this.followToday && this.query) {
      const today = todayIn(this.timeZone);
      if (today !== this.query.from) {
        // Midnight in the tenant's zone: a page left on "today" moves on to the new day.
        $('desde').value = today;
        $('hasta').value = today;
        this.#apply();
      }
    }
    if (Date.now() - this.unmappedAt >= UNMAPPED_REFRESH_MS) {
      this.#refreshUnmapped();
    }
  }

  #refreshUnmappedSoon() {
    if (this.unmappedTimer === null) {
      this.unmappedTimer = setTimeout(() => {
        this.unmappedTimer = null;
        this.#refreshUnmapped();
      }, 500);
    }
  }

  async #refreshUnmapped() {
    this.unmappedAt = Date.now();
    let homologation;
    try {
      homologation = await this.api.homologation(this.tenant);
    } catch {
      return; // the figures' own notice already tells when the server cannot be read
    }
    const unmapped = [...(homologation.unmapped ?? [])].sort((a, b) => Number(b.count) - Number(a.count));
    const banner = $('sin-homologar');
    banner.hidden = unmapped.length === 0;
    if (unmapped.length === 0) {
      return;
    }
    const days = homologation.unmappedDays ?? 30;
    $('sin-homologar-texto').textContent =
      `${unmapped.length === 1 ? 'Una tipificación' : `${unmapped.length} tipificaciones`} de los últimos ${days} días no ` +
      `${unmapped.length === 1 ? 'tiene' : 'tienen'} homologación: cuentan como SIN HOMOLOGAR (ni contacto ni PDP) hasta que un administrador las mapee.`;
    const list = $('sin-homologar-lista');
    const items = unmapped.slice(0, UNMAPPED_SHOWN).map((u) => {
      const li = document.createElement('li');
      li.dataset.tipificacion = u.tipificacion;
      const name = document.createElement('strong');
      name.textContent = u.tipificacion;
      li.append(name, ` — ${formatMetric('total_gestiones', u.count)} ${Number(u.count) === 1 ? 'gestión' : 'gestiones'}`);
      return li;
    });
    if (unmapped.length > UNMAPPED_SHOWN) {
      const li = document.createElement('li');
      li.textContent = `y ${unmapped.length - UNMAPPED_SHOWN} más`;
      items.push(li);
    }
    list.replaceChildren(...items);
  }

  async #download(format) {
    const message = $('descarga-mensaje');
    const label = format === 'csv' ? 'CSV' : 'Arrow';
    const refused = `Su rol (${this.session.role ?? 'sin rol'}) no permite descargar CSV ni Arrow: pida a un administrador el rol analyst o admin.`;
    if (!EXPORT_ROLES.includes(this.session.role)) {
      showNotice(message, refused);
      return;
    }
    const viewId = $('vista-descarga').value;
    const definition = viewDefinitions(this.query).find((d) => d.id === viewId);
    showNotice(message, `Preparando ${label}…`);
    let blob;
    try {
      blob = await this.api.export(this.tenant, definition.query, format);
    } catch (error) {
      showNotice(message, error instanceof ApiError && error.status === 403 ? refused : `No se pudo descargar: ${error.message}`);
      return;
    }
    const { from, to } = definition.query;
    const name = `pulso-${this.tenant}-${viewId}-${from}${from === to ? '' : `_${to}`}${this.query.canal ? `-${this.query.canal}` : ''}.${format}`;
    const url = URL.createObjectURL(blob);
    const link = document.createElement('a');
    link.href = url;
    link.download = name;
    document.body.append(link);
    link.click();
    link.remove();
    // The browser has taken the file once the click is handled; the URL only needs to outlive that.
    setTimeout(() => URL.revokeObjectURL(url), 30_000);
    showNotice(message, `Descargado ${name}.`);
  }
}

function showSignIn(session, error) {
  $('ingreso').hidden = false;
  showNotice($('ingreso-error'), error);
  const demo = $('entrar-demo');
  demo.hidden = !['127.0.0.1', 'localhost', '[::1]'].includes(window.location.hostname);
  $('ingreso-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const problem = session.usePasted($('token').value);
    if (problem) {
      showNotice($('ingreso-error'), problem);
    } else {
      window.location.reload();
    }
  });
  demo.addEventListener('click', async () => {
    if (await session.tryDevSignIn({ force: true })) {
      window.location.reload();
    } else {
      showNotice($('ingreso-error'), 'Este servidor no entrega tokens de demostración: pegue un token.');
    }
  });
  $('token').focus();
}

function showFailure(text) {
  $('fallo').hidden = false;
  $('fallo-detalle').textContent = text;
  $('reintentar').addEventListener('click', () => window.location.reload(), { once: true });
}

async function boot() {
  window.addEventListener('unhandledrejection', (event) => showNotice($('aviso'), `Error inesperado: ${event.reason?.message ?? event.reason}`));
  window.addEventListener('error', (event) => showNotice($('aviso'), `Error inesperado: ${event.message}`));

  const session = new Session();
  if (!session.signedIn) {
    await session.tryDevSignIn();
  }
  if (!session.signedIn) {
    showSignIn(session);
    return;
  }

  $('sesion').hidden = false;
  $('rol').textContent = `Rol: ${session.role ?? '—'}${session.isDev ? ' (demo)' : ''}`;
  $('salir').addEventListener('click', () => {
    session.signOut();
    window.location.assign(window.location.pathname);
  });

  const requested = new URLSearchParams(window.location.search).get('cliente');
  const tenant = session.role === 'operator' ? requested || session.tenant : session.tenant;
  if (!tenant) {
    showFailure('Su token de operador no indica un cliente: abra la página con ?cliente=<id> para elegir uno.');
    return;
  }

  let settings;
  try {
    settings = (await new Api(session).tenant(tenant)).settings ?? {};
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      session.signOut({ remember: false });
      $('sesion').hidden = true;
      showSignIn(session, 'El servidor rechazó el token (vencido o firmado con otra clave). Ingrese otro.');
    } else if (error instanceof ApiError && error.status === 404) {
      showFailure(`No existe el cliente «${tenant}», o su token no da acceso a él.`);
    } else {
      showFailure(error.message);
    }
    return;
  }

  new Dashboard(session, new Api(session), tenant, settings).start();
}

boot();

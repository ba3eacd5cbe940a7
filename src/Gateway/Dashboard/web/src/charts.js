// The intraday chart and the breakdowns by categoría and canal (chart.js, only the parts used).
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import { formatMetric, formatShare, sortValue } from './format.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

// Colours that keep a 3:1 contrast against the white panels and stay apart for common colour blindness.
const BLUE = '#1f5fa8';
const GREEN = '#2b7a3d';
const ORANGE = '#b35900';
const GREY = '#5f6b7a';
const AMBER = '#9a6700';

const HOURS = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'));
const CANALES = ['LLAMADA', 'SMS', 'WHATSAPP', 'VISITA', 'EMAIL'];

function baseOptions(extra = {}) {
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: { duration: 250 },
    plugins: { legend: { position: 'bottom' } },
    scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
    ...extra,
  };
}

function number(value) {
  return sortValue(value) ?? 0;
}

export class Charts {
  constructor() {
    // Text scales with the page, so a wall screen reads from across the room.
    const rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
    Chart.defaults.font.size = Math.round(rem * 0.8);
    Chart.defaults.color = '#1d2733';
    Chart.defaults.locale = 'es';

    this.hour = new Chart(document.getElementById('grafico-hora'), {
      type: 'bar',
      data: {
        labels: HOURS,
        datasets: [
          { label: 'Gestiones', data: [], backgroundColor: BLUE },
          { label: 'Contactos', data: [], backgroundColor: GREEN },
          { label: 'PDPs', data: [], backgroundColor: ORANGE },
        ],
      },
      options: baseOptions(),
    });

    this.category = new Chart(document.getElementById('grafico-categoria'), {
      type: 'bar',
      data: { labels: [], datasets: [{ label: 'Gestiones', data: [], backgroundColor: [] }] },
      options: baseOptions({
        indexAxis: 'y',
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
      }),
    });

    this.channel = new Chart(document.getElementById('grafico-canal'), {
      type: 'bar',
      data: {
        labels: [],
        datasets: [
          { label: 'Gestiones', data: [], backgroundColor: BLUE },
          { label: 'Contactos', data: [], backgroundColor: GREEN },
        ],
      },
      options: baseOptions(),
    });
  }

  /** Rows grouped by hora: every hour of the day on the axis, so bars do not jump around. */
  showHours(rows) {
    const byHour = new Map(rows.map((r) => [r.hora, r]));
    const pick = (metric) => HOURS.map((h) => number(byHour.get(h)?.[metric]));
    const [gestiones, contactos, pdps] = this.hour.data.datasets;
    gestiones.data = pick('total_gestiones');
    contactos.data = pick('contactos');
    pdps.data = pick('compromisos');
    this.hour.update();
  }

  /** Rows grouped by categoria, largest first; SIN_HOMOLOGAR stands out. */
  showCategories(rows, table) {
    const sorted = [...rows].sort((a, b) => number(b.total_gestiones) - number(a.total_gestiones) || String(a.categoria).localeCompare(String(b.categoria)));
    const total = sorted.reduce((sum, r) => sum + number(r.total_gestiones), 0);
    this.category.data.labels = sorted.map((r) => label(r.categoria));
    const [dataset] = this.category.data.datasets;
    dataset.data = sorted.map((r) => number(r.total_gestiones));
    dataset.backgroundColor = sorted.map((r) => (r.categoria === 'SIN_HOMOLOGAR' ? AMBER : GREY));
    this.category.update();

    fill(table, sorted, (r) => [
      { text: label(r.categoria), header: true },
      { text: formatMetric('total_gestiones', r.total_gestiones), value: r.total_gestiones },
      { text: total > 0 ? formatShare(number(r.total_gestiones) / total) : '—' },
    ]);
  }

  /** Rows grouped by canal, in the canal order of DESIGN 2.1 (others after). */
  showChannels(rows, table) {
    const order = (canal) => {
      const i = CANALES.indexOf(canal);
      return i < 0 ? CANALES.length : i;
    };
    const sorted = [...rows].sort((a, b) => order(a.canal) - order(b.canal) || String(a.canal).localeCompare(String(b.canal)));
    this.channel.data.labels = sorted.map((r) => r.canal ?? '—');
    const [gestiones, contactos] = this.channel.data.datasets;
    gestiones.data = sorted.map((r) => number(r.total_gestiones));
    contactos.data = sorted.map((r) => number(r.contactos));
    this.channel.update();

    fill(table, sorted, (r) => [
      { text: r.canal ?? '—', header: true },
      { text: formatMetric('total_gestiones', r.total_gestiones), value: r.total_gestiones },
      { text: formatMetric('contactos', r.contactos), value: r.contactos },
      { text: formatMetric('tasa_contactabilidad', r.tasa_contactabilidad), value: r.tasa_contactabilidad },
    ]);
  }
}

function label(categoria) {
  return String(categoria ?? '—').replace(/_/g, ' ');
}

function fill(table, rows, cells) {
  const body = table.tBodies[0];
  const fragment = document.createDocumentFragment();
  for (const row of rows) {
    const tr = document.createElement('tr');
    for (const cell of cells(row)) {
      const el = document.createElement(cell.header ? 'th' : 'td');
      if (cell.header) {
        el.scope = 'row';
      } else {
        el.className = 'num';
      }
      if (cell.value !== undefined) {
        el.dataset.value = cell.value === null ? '' : String(cell.value);
      }
      el.textContent = cell.text;
      tr.append(el);
    }
    fragment.append(tr);
  }
  if (rows.length === 0) {
    const tr = document.createElement('tr');
    const td = document.createElement('td');
    td.colSpan = table.tHead.rows[0].cells.length;
    td.className = 'vacio';
    td.textContent = 'Sin datos.';
    tr.append(td);
    fragment.append(tr);
  }
  body.replaceChildren(fragment);
}

// The agent leaderboard: one row per ejecutivo, sortable by any column, re-sorted whenever figures move.
import { formatMetric, sortValue } from './format.js';

/** The built-in metrics of DESIGN 2.5 it shows, in order, with their Spanish headings. */
export const LEADERBOARD_METRICS = [
  { metric: 'total_gestiones', label: 'Gestiones' },
  { metric: 'contactos', label: 'Contactos' },
  { metric: 'tasa_contactabilidad', label: 'Contactabilidad' },
  { metric: 'compromisos', label: 'PDPs' },
  { metric: 'pdps_por_hora', label: 'PDP por hora' },
  { metric: 'saldo_total', label: 'Saldo' },
  { metric: 'deudores_unicos', label: 'Deudores únicos' },
];

const collator = new Intl.Collator('es', { numeric: true, sensitivity: 'base' });

export class Leaderboard {
  constructor(table) {
    this.table = table;
    this.body = table.tBodies[0];
    this.headerRow = table.querySelector('#ranking-encabezados');
    this.sort = { key: 'total_gestiones', descending: true };
    this.rowsByKey = new Map();
    this.empty = null;
    this.#buildHeader();
  }

  #buildHeader() {
    const columns = [{ key: 'rank', label: '#', sortable: false }, { key: 'ejecutivo', label: 'Ejecutivo', sortable: true }]
      .concat(LEADERBOARD_METRICS.map((m) => ({ key: m.metric, label: m.label, sortable: true, numeric: true })));
    this.headers = new Map();
    for (const column of columns) {
      const th = document.createElement('th');
      th.scope = 'col';
      if (column.numeric || column.key === 'rank') {
        th.className = 'num';
      }
      if (column.sortable) {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'orden';
        button.dataset.key = column.key;
        button.textContent = column.label;
        button.addEventListener('click', () => this.#sortBy(column.key));
        th.append(button);
        this.headers.set(column.key, th);
      } else {
        th.textContent = column.label;
      }
      this.headerRow.append(th);
    }
    this.#markSort();
  }

  #sortBy(key) {
    if (this.sort.key === key) {
      this.sort.descending = !this.sort.descending;
    } else {
      // Figures read best largest first; names alphabetically.
      this.sort = { key, descending: key !== 'ejecutivo' };
    }
    this.#markSort();
    this.render(this.lastStore, { highlight: false });
  }

  #markSort() {
    for (const [key, th] of this.headers) {
      if (key === this.sort.key) {
        th.setAttribute('aria-sort', this.sort.descending ? 'descending' : 'ascending');
      } else {
        th.removeAttribute('aria-sort');
      }
    }
  }

  #compare(a, b) {
    const { key, descending } = this.sort;
    let order;
    if (key === 'ejecutivo') {
      order = collator.compare(String(a.ejecutivo ?? ''), String(b.ejecutivo ?? ''));
    } else {
      const x = sortValue(a[key]);
      const y = sortValue(b[key]);
      if (x === null || y === null) {
        // Absent figures go last whichever the direction.
        if (x !== y) {
          return x === null ? 1 : -1;
        }
        order = 0;
      } else {
        order = x - y;
      }
    }
    if (descending) {
      order = -order;
    }
    return order !== 0 ? order : collator.compare(String(a.ejecutivo ?? ''), String(b.ejecutivo ?? ''));
  }

  /** Shows the rows of the store, sorted; rows the last message changed flash once. */
  render(store, { highlight = true } = {}) {
    if (!store) {
      return;
    }
    this.lastStore = store;
    const rows = store.values().sort((a, b) => this.#compare(a, b));
    const seen = new Set();
    rows.forEach((row, index) => {
      const key = store.key(row);
      seen.add(key);
      let tr = this.rowsByKey.get(key);
      if (!tr) {
        tr = this.#createRow(row);
        this.rowsByKey.set(key, tr);
      }
      tr.cells[0].textContent = String(index + 1);
      LEADERBOARD_METRICS.forEach(({ metric }, i) => {
        const cell = tr.cells[i + 2];
        const raw = row[metric] ?? null;
        const rawText = raw === null ? '' : String(raw);
        if (cell.dataset.value !== rawText || !cell.hasAttribute('data-value')) {
          cell.dataset.value = rawText;
          cell.textContent = formatMetric(metric, raw);
        }
      });
      if (highlight && store.changed.has(key)) {
        tr.classList.remove('cambio');
        // Restart the highlight animation on a row that changes again while it still glows.
        void tr.offsetWidth;
        tr.classList.add('cambio');
      }
      const at = this.body.children[index];
      if (at !== tr) {
        this.body.insertBefore(tr, at ?? null);
      }
    });
    for (const [key, tr] of this.rowsByKey) {
      if (!seen.has(key)) {
        tr.remove();
        this.rowsByKey.delete(key);
      }
    }
    this.#showEmpty(rows.length === 0);
  }

  #createRow(row) {
    const tr = document.createElement('tr');
    tr.dataset.ejecutivo = String(row.ejecutivo ?? '');
    const rank = document.createElement('td');
    rank.className = 'num rango';
    const name = document.createElement('th');
    name.scope = 'row';
    name.textContent = row.ejecutivo ?? '(sin ejecutivo)';
    tr.append(rank, name);
    for (const { metric } of LEADERBOARD_METRICS) {
      const td = document.createElement('td');
      td.className = 'num';
      td.dataset.metric = metric;
      tr.append(td);
    }
    return tr;
  }

  #showEmpty(isEmpty) {
    if (isEmpty && !this.empty) {
      this.empty = document.createElement('tr');
      const td = document.createElement('td');
      td.colSpan = LEADERBOARD_METRICS.length + 2;
      td.className = 'vacio';
      td.textContent = 'Sin gestiones en el período elegido.';
      this.empty.append(td);
      this.body.append(this.empty);
    } else if (!isEmpty && this.empty) {
      this.empty.remove();
      this.empty = null;
    }
  }
}

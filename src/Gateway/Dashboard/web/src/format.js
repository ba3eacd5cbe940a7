// Display of the snapshot's values (DESIGN 5: counts as numbers, money as strings with 2 decimals,
// rates as strings with 4, null when absent) and dates in the tenant's time zone.

const counts = new Intl.NumberFormat('es', { maximumFractionDigits: 0 });
const money = new Intl.NumberFormat('es', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const rate = new Intl.NumberFormat('es', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const perHour = new Intl.NumberFormat('es', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** How each metric is shown; unknown (tenant-defined) metrics fall back to their raw value. */
const kinds = {
  total_gestiones: 'count',
  contactos: 'count',
  compromisos: 'count',
  deudores_unicos: 'count',
  saldo_total: 'money',
  horas_trabajadas: 'money',
  tasa_contactabilidad: 'percent',
  pdps_por_hora: 'perHour',
};

export function formatMetric(metric, value) {
  if (value === null || value === undefined || value === '') {
    return '—';
  }
  const n = Number(value);
  if (!Number.isFinite(n)) {
    return String(value);
  }
  switch (kinds[metric]) {
    case 'count':
      return counts.format(n);
    case 'money':
      return money.format(n);
    case 'percent':
      return `${rate.format(n)} %`;
    case 'perHour':
      return perHour.format(n);
    default:
      return String(value);
  }
}

/** A sortable number for a metric value; null for absent values, which sort last either way. */
export function sortValue(value) {
  if (value === null || value === undefined || value === '') {
    return null;
  }
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

/** Today's date (YYYY-MM-DD) in an IANA time zone; the browser's own zone if the name is unknown. */
export function todayIn(timeZone, now = new Date()) {
  let parts;
  try {
    parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now);
  } catch {
    parts = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now);
  }
  const part = (type) => parts.find((p) => p.type === type)?.value;
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/** "hace 5 s", "hace 3 min", "hace 2 h" for an age in milliseconds. */
export function formatAge(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) {
    return `hace ${s} s`;
  }
  const min = Math.floor(s / 60);
  if (min < 60) {
    return `hace ${min} min`;
  }
  return `hace ${Math.floor(min / 60)} h`;
}

const share = new Intl.NumberFormat('es', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });

/** A fraction of a whole as "12,5 %". */
export function formatShare(fraction) {
  return share.format(fraction);
}

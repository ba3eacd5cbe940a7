// The REST routes the page reads (DESIGN 5), called with the session's bearer token.

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail || `HTTP ${status}`);
    this.status = status;
  }
}

/** The query string of a snapshot (also the shape of a hub subscription, see live.js). */
export function snapshotParams(query, format) {
  const params = new URLSearchParams({ from: query.from, to: query.to, groupBy: query.groupBy.join(','), metrics: query.metrics.join(',') });
  for (const [dimension, values] of Object.entries(query.filter ?? {})) {
    // RFC 4180 fields: a value with a comma or a quote is quoted, its quotes doubled.
    const fields = values.map((v) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v));
    params.append('filter', `${dimension}:${fields.join(',')}`);
  }
  if (format) {
    params.set('format', format);
  }
  return params;
}

export class Api {
  constructor(session) {
    this.session = session;
  }

  async #get(path, accept = 'application/json') {
    let response = await this.#send(path, accept);
    // The embedded default makes a new signing key when it restarts: a demo token from before is simply renewed.
    if (response.status === 401 && this.session.isDev && (await this.session.tryDevSignIn({ force: true }))) {
      response = await this.#send(path, accept);
    }
    if (!response.ok) {
      const problem = await response.json().catch(() => null);
      throw new ApiError(response.status, problem?.detail ?? problem?.title ?? response.statusText);
    }
    return response;
  }

  async #send(path, accept) {
    const token = await this.session.currentToken();
    try {
      return await fetch(path, { headers: { Authorization: `Bearer ${token}`, Accept: accept }, cache: 'no-store' });
    } catch {
      throw new ApiError(0, 'No se pudo contactar al servidor.');
    }
  }

  async tenant(tenant) {
    return (await this.#get(`/api/v1/tenants/${encodeURIComponent(tenant)}`)).json();
  }

  async homologation(tenant) {
    return (await this.#get(`/api/v1/tenants/${encodeURIComponent(tenant)}/homologation`)).json();
  }

  async snapshot(tenant, query) {
    return (await this.#get(`/api/v1/tenants/${encodeURIComponent(tenant)}/metrics?${snapshotParams(query)}`)).json();
  }

  /** The snapshot as a file (format csv or arrow). */
  async export(tenant, query, format) {
    const accept = format === 'csv' ? 'text/csv' : 'application/vnd.apache.arrow.stream';
    return (await this.#get(`/api/v1/tenants/${encodeURIComponent(tenant)}/metrics?${snapshotParams(query, format)}`, accept)).blob();
  }
}

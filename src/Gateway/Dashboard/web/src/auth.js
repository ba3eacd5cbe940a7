// The caller's token: pasted by a person, or handed out by the embedded default's /dev/token.
// Kept in sessionStorage, so it lives as long as the tab and never reaches other tabs or disk profiles.

const TOKEN_KEY = 'pulso.token';
const SOURCE_KEY = 'pulso.tokenSource';
const NO_DEV_KEY = 'pulso.noDevSignIn';
// A dev token is renewed this long before it expires.
const RENEW_MARGIN_MS = 120_000;

/** The claims of a JWT (not verified: the server does that); null when it is not a JWT. */
export function decodeClaims(token) {
  const parts = typeof token === 'string' ? token.trim().split('.') : [];
  if (parts.length !== 3) {
    return null;
  }
  try {
    const base64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes));
    return claims && typeof claims === 'object' ? claims : null;
  } catch {
    return null;
  }
}

function isExpired(claims, marginMs = 0) {
  return typeof claims?.exp === 'number' && claims.exp * 1000 - marginMs <= Date.now();
}

/** Only the embedded default on this machine serves /dev/token; elsewhere the page does not ask. */
function devSignInPossible() {
  return ['127.0.0.1', 'localhost', '[::1]'].includes(window.location.hostname);
}

export class Session {
  constructor() {
    this.token = sessionStorage.getItem(TOKEN_KEY);
    this.source = sessionStorage.getItem(SOURCE_KEY) ?? 'manual';
    this.claims = decodeClaims(this.token);
    if (!this.claims || isExpired(this.claims)) {
      this.#set(null, 'manual');
    }
  }

  get signedIn() {
    return this.claims !== null;
  }

  get tenant() {
    return typeof this.claims?.tenant === 'string' ? this.claims.tenant : null;
  }

  get role() {
    return typeof this.claims?.role === 'string' ? this.claims.role : null;
  }

  get isDev() {
    return this.source === 'dev';
  }

  /** Keeps a pasted token; an explanation (in Spanish) when it cannot be one. */
  usePasted(text) {
    const token = text.trim().replace(/^Bearer\s+/i, '');
    const claims = decodeClaims(token);
    if (!claims) {
      return 'Eso no parece un JWT (tres partes separadas por puntos).';
    }
    if (isExpired(claims)) {
      return 'El token ya venció.';
    }
    if (typeof claims.tenant !== 'string' && claims.role !== 'operator') {
      return 'El token no indica un cliente (claim "tenant").';
    }
    sessionStorage.removeItem(NO_DEV_KEY);
    this.#set(token, 'manual');
    return null;
  }

  /**
   * Asks the embedded default for a demo token. True when it gave one; false when this server has no such
   * route (a configured cluster) or the person signed out on purpose.
   */
  async tryDevSignIn({ force = false } = {}) {
    if (!devSignInPossible() || (!force && sessionStorage.getItem(NO_DEV_KEY))) {
      return false;
    }
    let response;
    try {
      response = await fetch('/dev/token', { cache: 'no-store' });
    } catch {
      return false;
    }
    if (!response.ok) {
      return false;
    }
    const body = await response.json().catch(() => null);
    if (!decodeClaims(body?.token)) {
      return false;
    }
    sessionStorage.removeItem(NO_DEV_KEY);
    this.#set(body.token, 'dev');
    return true;
  }

  /** The token to send now; a dev token close to its end is renewed first. */
  async currentToken() {
    if (this.isDev && isExpired(this.claims, RENEW_MARGIN_MS)) {
      await this.tryDevSignIn({ force: true });
    }
    return this.token;
  }

  signOut({ remember = true } = {}) {
    if (remember) {
      sessionStorage.setItem(NO_DEV_KEY, '1');
    }
    this.#set(null, 'manual');
  }

  #set(token, source) {
    this.token = token;
    this.source = source;
    this.claims = decodeClaims(token);
    if (token) {
      sessionStorage.setItem(TOKEN_KEY, token);
      sessionStorage.setItem(SOURCE_KEY, source);
    } else {
      sessionStorage.removeItem(TOKEN_KEY);
      sessionStorage.removeItem(SOURCE_KEY);
    }
  }
}

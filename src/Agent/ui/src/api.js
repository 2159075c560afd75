// The query API as the page calls it: the read token (if any) in the Authorization header, never in a URL; errors
// as exceptions the page can explain (401, an answer with a message, or no answer at all).
const TOKEN_KEY = 'flamewatch.token';

/** The query API answered 401: no token was sent, or the one sent was rejected. */
export class Unauthorized extends Error {
  constructor(sentToken) {
    super('the agent requires a valid token');
    this.sentToken = sentToken;
  }
}

/** The agent answered with an error status and (usually) a message saying why. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** No answer: the agent is down, restarting or unreachable from this browser. */
export class Unreachable extends Error {}

export function storedToken() {
  try { return sessionStorage.getItem(TOKEN_KEY); } catch { return null; }
}

export function storeToken(token) {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token); else sessionStorage.removeItem(TOKEN_KEY);
  } catch { /* storage disabled: the token lasts until the page is left */ }
}

/** GET an API path; returns the Response of a 2xx answer, throws Unauthorized, ApiError or Unreachable otherwise. */
export async function get(path, token = storedToken()) {
  const headers = token ? { Authorization: 'Bearer ' + token } : {};
  let response;
  try {
    response = await fetch(path, { headers, cache: 'no-store' });
  } catch (e) {
    throw new Unreachable('the agent is unreachable (' + e.message + ')');
  }
  if (response.status === 401) throw new Unauthorized(Boolean(token));
  if (!response.ok) {
    let message = response.statusText || 'HTTP ' + response.status;
    try { message = (await response.json()).error || message; } catch { /* not JSON */ }
    throw new ApiError(response.status, message);
  }
  return response;
}

export async function getJson(path, token) {
  return (await get(path, token)).json();
}

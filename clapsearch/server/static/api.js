// The JSON API client: the token (from the URL fragment #token=T), absolute URLs, one-line errors.

const token = new URLSearchParams(location.hash.slice(1)).get("token") || "";

/** An API error carrying the server's one-line `detail` and the HTTP status. */
export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

/** The absolute URL of an API path; the token rides along as ?token= where headers cannot (audio, drag-out). */
export function apiUrl(path, params = null, { withToken = false } = {}) {
  const url = new URL(path, location.origin);
  if (params) {
    for (const [key, value] of params) url.searchParams.append(key, value);
  }
  if (withToken && token) url.searchParams.set("token", token);
  return url.href;
}

/** The absolute URL of an indexed file's audio (served by id, with range requests). */
export function audioUrl(fileId) {
  return apiUrl(`/api/files/${encodeURIComponent(fileId)}/audio`, null, { withToken: true });
}

async function detailOf(response) {
  try {
    const body = await response.json();
    if (typeof body.detail === "string") return body.detail;
    if (Array.isArray(body.detail) && body.detail.length) {
      const d = body.detail[0];  // FastAPI's validation errors: say the first, on one line
      return `${(d.loc || []).slice(1).join(".") || "request"}: ${d.msg}`;
    }
  } catch { /* not JSON */ }
  return response.statusText || "request failed";
}

/** Fetch JSON from the API; throws ApiError with a one-line message on any failure. */
export async function getJson(path, params = null, init = {}) {
  const headers = new Headers(init.headers || {});
  if (token) headers.set("Authorization", `Bearer ${token}`);
  let response;
  try {
    response = await fetch(apiUrl(path, params), { ...init, headers });
  } catch (err) {
    throw new ApiError(`cannot reach the server (${err.message}); is clapsearch serve running?`, 0);
  }
  if (!response.ok) throw new ApiError(await detailOf(response), response.status);
  return response.json();
}

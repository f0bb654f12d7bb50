// The one API client: openapi-fetch typed by `ApiPaths`, the bearer token on every request,
// and a refusal turned into an ApiError (status + the service's detail) for the pages.

import createClient, { type Middleware } from "openapi-fetch";
import { ApiError } from "../lib/errors";
import type { ApiPaths } from "./contract";
import { session } from "./session";

const auth: Middleware = {
  onRequest({ request }) {
    const token = session.token();
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401) session.unauthorized();
    return response;
  },
};

export const api = createClient<ApiPaths>({ baseUrl: "" });
api.use(auth);

/** The data of a call, or an ApiError: lets react-query see failures as failures. */
export async function data<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) {
    const detail = error && typeof error === "object" && "detail" in error ? (error as { detail: unknown }).detail : error;
    throw new ApiError(response.status, detail);
  }
  return data as T;
}

export function authHeaders(): Record<string, string> {
  const token = session.token();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

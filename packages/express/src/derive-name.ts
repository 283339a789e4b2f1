import type { Request } from 'express';

/** Derived names are cut to this many characters (they become a Prometheus label value). */
export const MAX_NAME_LENGTH = 200;

function pathText(path: unknown): string {
  if (Array.isArray(path)) return path.map(pathText).join(',');
  return String(path);
}

/**
 * The registry name of a policy that a middleware built from options without a `name`, taken
 * from the first request that reaches the middleware:
 *
 * - in a route (`app.get('/users/:id', bulkhead(…), handler)`, where `req.route` is set):
 *   `express:<METHOD> <baseUrl><route path>`, e.g. `express:GET /users/:id`, or
 *   `express:GET /api/users/:id` inside a router mounted at `/api`;
 * - mounted with `app.use` or `router.use`, which runs before routing (no `req.route`):
 *   `express:<baseUrl>/*`, e.g. `express:/api/*`, or `express:/*` at the root.
 *
 * Route paths are patterns (`/users/:id`), never the request's URL, so names do not grow with
 * traffic. `baseUrl` is the matched mount path, which holds concrete values when a router is
 * mounted at a path with parameters (`/tenants/:tenant`): give such middleware a `name`.
 */
export function deriveName(req: Request): string {
  const base = typeof req.baseUrl === 'string' ? req.baseUrl : '';
  const route = (req as { route?: { path?: unknown } }).route;
  const text = route?.path === undefined ? `${base}/*` : `${req.method} ${base}${pathText(route.path)}`;
  return `express:${text}`.slice(0, MAX_NAME_LENGTH);
}

/**
 * What the admin routes (`admin-*-routes.ts`) share: running an operation as the request's caller,
 * reading path, query and body fields as the operation's input, and the parts of a route's options
 * that every admin route states alike (its operation, its tag, the bearer scheme, the error answers).
 *
 * @module
 */

import type { FastifyRequest } from "fastify";
import type { Engine } from "../../core/engine.ts";
import type { CallContext, Operation } from "../../core/operation.ts";
import { openScope } from "../kit/request-scope.ts";
import { bearer, bodyOf, errorResponses, type RouteSchema } from "./schemas.ts";

export type Query = Record<string, string | undefined>;
export type RealmPath = { realm: string };
export type NamedPath = { realm: string; name: string };

/** Runs one operation as the caller of a request. */
export type RunAsCaller = <I, O>(op: Operation<I, O>, request: FastifyRequest, input: unknown) => Promise<O>;

/** `run` for the admin routes: each call authenticates the request's caller and runs the operation. */
export function runAsCaller(engine: Engine, contextOf: (request: FastifyRequest) => CallContext): RunAsCaller {
  return async (op, request, input) => (await openScope(engine, contextOf(request))).run(op, input);
}

/** Path fields of a route, as the operation it calls declares them; every path field is required. */
export function pathOf(
  op: Pick<Operation<unknown, unknown>, "name" | "input">,
  fields: readonly string[],
): RouteSchema {
  return { ...bodyOf(op, fields), required: [...fields] };
}

/** A query field that the query schema let through as digits, as the number the operation takes. */
export function integerOf(text: string | undefined): number | undefined {
  return text === undefined ? undefined : Number(text);
}

/** The body of a request, as an object to add path fields to (the route schema has checked its shape). */
export function bodyFields(request: FastifyRequest): Record<string, unknown> {
  return (request.body ?? {}) as Record<string, unknown>;
}

/**
 * The input of a route that takes a body: the body's fields, the path's fields (which name the target)
 * and what the route itself adds (`mode`), a later one winning over an earlier one of the same name.
 */
export function bodyAndPathOf(
  request: FastifyRequest<{ Params: RealmPath | NamedPath }>,
  added: Record<string, unknown> = {},
): Record<string, unknown> {
  return { ...bodyFields(request), ...request.params, ...added };
}

/**
 * The input of a page of a realm's users or groups: the realm from the path, the page (by number, or a
 * search by name prefix) from the query.
 */
export function directoryPageOf(request: FastifyRequest<{ Params: RealmPath }>): Record<string, unknown> {
  const query = request.query as Query;
  return {
    realm: request.params.realm,
    after: integerOf(query.after),
    prefix: query.prefix,
    afterName: query.afterName,
    limit: integerOf(query.limit),
  };
}

/** What one admin route's schema says of itself; `adminRoute` adds what they all say. */
export interface AdminRouteSchema {
  summary: string;
  params?: unknown;
  querystring?: unknown;
  body?: unknown;
  /** The answer to a success, by its status; `adminRoute` adds the error answers. */
  response: { 200: unknown } | { 201: unknown };
}

/**
 * The options of an admin route: the operation it calls (`config.operation`, whose input fields the
 * route's body and path fields are) and its schema, with its tag, the bearer scheme and the error
 * answers that every admin route has.
 */
export function adminRoute(
  operation: Pick<Operation<unknown, unknown>, "name" | "input">,
  tag: string,
  { summary, response, ...parts }: AdminRouteSchema,
) {
  return {
    config: { operation },
    schema: { summary, tags: [tag], security: bearer, ...parts, response: { ...response, ...errorResponses } },
  };
}

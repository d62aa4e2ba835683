import { createHash } from 'node:crypto';
import { ConfigError } from '@mcp-fleet/runtime';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ProviderRegistry } from '../catalog/registry.js';
import type { Admission } from '../dispatch/admission.js';
import type { JsonObject } from '../protocol/messages.js';
import { baseUrlOf } from '../transports/http-exchange.js';
import type { CheckOrigin } from '../transports/origin.js';
import { aiCatalog, anonymousCaller, SERVER_CARD_TYPE, serverCard } from './card.js';
import { CardCache } from './card-cache.js';

export interface ServerCardRoutesOptions {
  registry: ProviderRegistry;
  admission: Admission;
  authMode: 'none' | 'authenticated';
  /** Reverse-DNS card name (namespace/name). */
  name: string;
  /** Public base URL; the request's own when unset. */
  publicUrl?: string;
  /** The Host (and Origin) allow-list of the /mcp edge: a Host it refuses gets no card. */
  checkOrigin: CheckOrigin;
}

/** The draft schema's pattern for a card's name. */
const CARD_NAME = /^[a-zA-Z0-9.-]+\/[a-zA-Z0-9._-]+$/;

/** Refuses, at boot, a name the draft would reject or a public URL that is not an http(s) origin. */
export function checkServerCardOptions({
  name,
  publicUrl,
}: Pick<ServerCardRoutesOptions, 'name' | 'publicUrl'>): void {
  const problems: string[] = [];
  if (!CARD_NAME.test(name) || name.length > 200)
    problems.push(`MCPFLEET_SERVER_CARD_NAME=${JSON.stringify(name)}: expected namespace/name (reverse DNS)`);
  if (publicUrl !== undefined && !/^https?:\/\/[^/\s]+\/?$/.test(publicUrl))
    problems.push(`MCPFLEET_PUBLIC_URL=${JSON.stringify(publicUrl)}: expected http(s)://host[:port]`);
  if (problems.length > 0) throw new ConfigError(problems);
}

/** The draft's CORS and caching advice: public, read-only metadata. */
const PUBLIC_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET',
  'access-control-allow-headers': 'Content-Type, If-None-Match',
  'access-control-expose-headers': 'ETag',
  'cache-control': 'public, max-age=300',
};

function send(request: FastifyRequest, reply: FastifyReply, type: string, body: string) {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  reply.headers({ ...PUBLIC_HEADERS, etag });
  if (request.headers['if-none-match'] === etag) return reply.code(304).send();
  // Bytes, so the media type goes out exactly as the draft names it (JSON is UTF-8: no charset).
  return reply.type(type).send(Buffer.from(body));
}

/**
 * The server card at `/mcp/server-card` and the AI Catalog pointing at it, at the draft's current
 * well-known path and at the earlier `/.well-known/mcp/catalog.json`. Built from the live catalog
 * and policy as an anonymous caller sees them, and rebuilt only when either changed.
 */
export function registerServerCard(app: FastifyInstance, options: ServerCardRoutesOptions): void {
  checkServerCardOptions(options);
  const anonymous = anonymousCaller(options.authMode);
  const baseOf = (request: FastifyRequest) => {
    // Cross-site reads of public metadata are fine (CORS *): only the Host is the edge's to check.
    options.checkOrigin(request.headers.host, undefined);
    return (options.publicUrl ?? baseUrlOf(request)).replace(/\/+$/, '');
  };
  const { registry, admission } = options;
  const cards = new CardCache(
    () => [registry.catalog.toolList, admission.policyRevision],
    () =>
      admission.visible(anonymous, 'tools', registry.catalog.toolList, (d: JsonObject) => ({
        name: String(d.name),
        annotations: d.annotations,
      })),
    (baseUrl, tools) =>
      JSON.stringify(serverCard({ name: options.name, baseUrl, authMode: options.authMode, tools })),
  );
  // A refused or malformed Host throws before any header is set: the error handler answers it.
  const serve =
    (type: string, bodyOf: (baseUrl: string) => string) => (request: FastifyRequest, reply: FastifyReply) =>
      send(request, reply, type, bodyOf(baseOf(request)));
  const catalog = (baseUrl: string) => JSON.stringify(aiCatalog(options.name, baseUrl));
  app.get(
    '/mcp/server-card',
    serve(SERVER_CARD_TYPE, (baseUrl) => cards.body(baseUrl)),
  );
  app.get('/.well-known/ai-catalog.json', serve('application/ai-catalog+json', catalog));
  app.get('/.well-known/mcp/catalog.json', serve('application/json', catalog));
  for (const path of ['/mcp/server-card', '/.well-known/ai-catalog.json', '/.well-known/mcp/catalog.json'])
    app.options(path, (_request, reply) => reply.headers(PUBLIC_HEADERS).code(204).send());
}

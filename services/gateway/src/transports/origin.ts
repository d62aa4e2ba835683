import { refusals } from '../protocol/errors.js';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);
/** Any port of an admitted name is admitted, so its spellings are many: at most this many are kept. */
const MAX_ADMITTED_HOSTS = 64;

export interface OriginPolicyOptions {
  /** The listener is on a loopback address: only loopback hosts and origins are accepted. */
  loopback: boolean;
  allowedOrigins: string[];
  allowedHosts: string[];
}

function hostname(host: string): string {
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? '');
}

/** Throws 403 for a Host or Origin the edges refuse. */
export type CheckOrigin = (host: string | undefined, origin: string | undefined) => void;

/**
 * DNS-rebinding protection (MCP transport security): a browser page on another site must not
 * reach a gateway on localhost. Returns a checker that throws 403 for a refused Host or Origin.
 */
export function originPolicy(options: OriginPolicyOptions): CheckOrigin {
  const origins = new Set(options.allowedOrigins);
  const hosts = new Set(options.allowedHosts.map((h) => h.toLowerCase()));
  const admitted = (host: string) => {
    const name = hostname(host.toLowerCase());
    return hosts.size > 0
      ? hosts.has(host.toLowerCase()) || hosts.has(name)
      : !options.loopback || LOOPBACK_NAMES.has(name);
  };
  // Hosts seen admitted, so a client's every request is one lookup; refused ones are not kept.
  const admittedHosts = new Set<string>();
  return (host, origin) => {
    if (host !== undefined && !admittedHosts.has(host)) {
      if (!admitted(host)) throw refusals.forbiddenOrigin(`Host ${host}`);
      if (admittedHosts.size < MAX_ADMITTED_HOSTS) admittedHosts.add(host);
    }
    if (origin !== undefined && !origins.has(origin)) {
      let originHost: string;
      try {
        originHost = new URL(origin).hostname;
      } catch {
        throw refusals.forbiddenOrigin(`Origin ${origin}`);
      }
      if (!(options.loopback && LOOPBACK_NAMES.has(originHost)))
        throw refusals.forbiddenOrigin(`Origin ${origin}`);
    }
  };
}

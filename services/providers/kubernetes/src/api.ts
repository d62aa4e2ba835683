import { request } from 'node:https';
import { Writable } from 'node:stream';
import { Exec, type KubeConfig } from '@kubernetes/client-node';

/** A call the provider's policy refuses before anything reaches the API server. */
export class Refused extends Error {
  override name = 'Refused';
}

/** A Kubernetes API answer that was not 2xx: the Status object's message, with the HTTP code. */
export class KubeApiError extends Error {
  override name = 'KubeApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Query = Record<string, string | number | undefined>;

export interface KubeApi {
  get(path: string, query?: Query): Promise<unknown>;
  /** A GET whose answer is plain text (pod logs). */
  getText(path: string, query?: Query): Promise<string>;
  /** A write: the body is JSON (or a merge/apply patch, per contentType). */
  send(
    method: 'POST' | 'PATCH' | 'DELETE',
    path: string,
    body: unknown,
    query?: Query,
    contentType?: string,
  ): Promise<unknown>;
  /** Runs a command in a container (the exec subresource, over a WebSocket), output capped. */
  exec(target: ExecTarget): Promise<ExecResult>;
}

export interface ExecTarget {
  namespace: string;
  pod: string;
  container: string;
  command: string[];
  timeoutMs: number;
  maxBytes: number;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** The API server's final status: Success, or Failure with the exit code in its details. */
  status: string;
  exitCode?: number;
  message?: string;
  truncated: boolean;
}

/** A sink keeping at most `limit` bytes; what is cut is only counted. */
function capped(limit: number) {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const room = limit - size;
      if (room > 0) chunks.push(chunk.subarray(0, room));
      if (chunk.length > room) truncated = true;
      size += Math.min(chunk.length, Math.max(room, 0));
      done();
    },
  });
  return { sink, text: () => Buffer.concat(chunks).toString('utf8'), truncated: () => truncated };
}

/** Caps an answer's size: a huge list is cut by `limit`, this guards against anything else. */
const MAX_BODY = 8 * 1024 * 1024;

/**
 * Requests to the API server with the credentials of the provider's own kubeconfig or
 * ServiceAccount (applied by client-node); a caller's token is never forwarded.
 */
export function kubeApi(kc: KubeConfig, timeoutMs: number): KubeApi {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const server = new URL(cluster.server);
  const call = async (
    method: string,
    path: string,
    query: Query,
    body?: string,
    contentType?: string,
    asText = false,
  ) => {
    const url = new URL(path, server);
    for (const [k, v] of Object.entries(query))
      if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
    const options: import('node:https').RequestOptions = {
      method,
      headers: { accept: 'application/json', ...(contentType ? { 'content-type': contentType } : {}) },
      timeout: timeoutMs,
    };
    await kc.applyToHTTPSOptions(options);
    return new Promise<unknown>((resolve, reject) => {
      const req = request(url, options, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY) {
            req.destroy(
              new KubeApiError(413, `the API answer for ${url.pathname} exceeds ${MAX_BODY} bytes`),
            );
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = JSON.parse(raw);
          } catch {
            body = undefined;
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve(asText ? raw : body);
          else
            reject(
              new KubeApiError(
                status,
                `${status} ${(body as { message?: string } | undefined)?.message ?? raw.slice(0, 200)}`,
              ),
            );
        });
        res.on('error', reject);
      });
      req.on('timeout', () =>
        req.destroy(new KubeApiError(504, `the API server did not answer in ${timeoutMs} ms`)),
      );
      req.on('error', reject);
      req.end(body);
    });
  };
  const runExec = async (t: ExecTarget): Promise<ExecResult> => {
    const out = capped(t.maxBytes);
    const err = capped(t.maxBytes);
    let status:
      | { status?: string; message?: string; details?: { causes?: { reason?: string; message?: string }[] } }
      | undefined;
    const socket = await new Exec(kc)
      .exec(t.namespace, t.pod, t.container, t.command, out.sink, err.sink, null, false, (s) => {
        status = s;
      })
      .catch((error: unknown) => {
        throw new KubeApiError(0, `exec refused: ${(error as Error).message}`);
      });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => socket.close(), t.timeoutMs);
      socket.on('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    const exit = status?.details?.causes?.find((c) => c.reason === 'ExitCode')?.message;
    return {
      stdout: out.text(),
      stderr: err.text(),
      status: status?.status ?? `no status: the command did not finish within ${t.timeoutMs} ms`,
      ...(exit === undefined
        ? status?.status === 'Success'
          ? { exitCode: 0 }
          : {}
        : { exitCode: Number(exit) }),
      ...(status?.message ? { message: status.message } : {}),
      truncated: out.truncated() || err.truncated(),
    };
  };
  return {
    exec: runExec,
    get: (path, query = {}) => call('GET', path, query),
    getText: (path, query = {}) => call('GET', path, query, undefined, undefined, true) as Promise<string>,
    send: (method, path, body, query = {}, contentType = 'application/json') =>
      call(method, path, query, JSON.stringify(body), contentType),
  };
}

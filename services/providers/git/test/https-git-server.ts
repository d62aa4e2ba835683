import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface GitHttpsServer {
  /** https://127.0.0.1:<port> */
  origin: string;
  /** The self-signed certificate, to trust as a CA. */
  caFile: string;
  close(): Promise<void>;
}

/**
 * A real smart-HTTP git server on loopback: `git http-backend` run as CGI behind a TLS listener with
 * a throwaway certificate. Pushes are accepted (every caller counts as authenticated).
 */
export async function startGitHttpsServer(projectRoot: string, workDir: string): Promise<GitHttpsServer> {
  const key = join(workDir, 'key.pem');
  const caFile = join(workDir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-keyout', key, '-out', caFile],
      ...['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
    ],
    { stdio: 'ignore', input: '' },
  );
  const server = createServer({ key: readFileSync(key), cert: readFileSync(caFile) }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const header = (name: string) => String(req.headers[name] ?? '');
    const cgi = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        HOME: workDir,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_PROJECT_ROOT: projectRoot,
        GIT_HTTP_EXPORT_ALL: '1',
        REMOTE_USER: 'test',
        REMOTE_ADDR: '127.0.0.1',
        REQUEST_METHOD: req.method,
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: header('content-type'),
        HTTP_CONTENT_ENCODING: header('content-encoding'),
        GIT_PROTOCOL: header('git-protocol'),
        ...(req.headers['content-length'] ? { CONTENT_LENGTH: header('content-length') } : {}),
      },
    });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let body = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (body) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      body = true;
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const [name, value] = [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()];
        if (name.toLowerCase() === 'status') res.statusCode = Number.parseInt(value, 10);
        else res.setHeader(name, value);
      }
      res.write(head.subarray(end + 4));
    });
    cgi.stdout.on('end', () => res.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    caFile,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

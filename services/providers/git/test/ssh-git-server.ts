import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@mcp-fleet/sdk/testing';

const SSHD = '/usr/sbin/sshd';

export interface GitSshServer {
  /** ssh://<user>@127.0.0.1:<port> */
  origin: string;
  /** The client key the server authorises, for the provider. */
  keyFile: string;
  /** A known_hosts file holding the server's host key. */
  knownHostsFile: string;
  close(): Promise<void>;
}

const keygen = (file: string) =>
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'mcp-fleet-test', '-f', file], {
    stdio: 'ignore',
  });

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/**
 * A real OpenSSH server on loopback, for the current user with one authorised key, so git runs
 * `git-upload-pack`/`git-receive-pack` over ssh exactly as against a git host.
 */
export async function startGitSshServer(workDir: string): Promise<GitSshServer> {
  assert.ok(
    existsSync(SSHD),
    `${SSHD} is missing: scripts/ensure-deps.sh --services installs openssh-server`,
  );
  const dir = join(workDir, 'sshd');
  mkdirSync(dir, { recursive: true });
  const hostKey = join(dir, 'host_ed25519');
  const keyFile = join(dir, 'client_ed25519');
  keygen(hostKey);
  keygen(keyFile);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${keyFile}.pub`));
  const user = userInfo().username;
  const port = await freePort();
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      `AllowUsers ${user}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'UsePAM no',
      'StrictModes no',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  // Run as root, sshd needs its privilege-separation directory.
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const sshd = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  sshd.stderr.on('data', (chunk) => {
    log += chunk;
  });
  for (let i = 0; i < 100 && sshd.exitCode === null && !(await accepts(port)); i++)
    await new Promise((resolve) => setTimeout(resolve, 100));
  assert.ok(await accepts(port), `sshd did not start: ${log}`);
  const knownHostsFile = join(dir, 'known_hosts');
  writeFileSync(knownHostsFile, `[127.0.0.1]:${port} ${readFileSync(`${hostKey}.pub`, 'utf8')}`);
  return {
    origin: `ssh://${user}@127.0.0.1:${port}`,
    keyFile,
    knownHostsFile,
    close: () =>
      new Promise((resolve) => {
        if (sshd.exitCode !== null) return resolve();
        sshd.once('exit', () => resolve());
        sshd.kill();
      }),
  };
}

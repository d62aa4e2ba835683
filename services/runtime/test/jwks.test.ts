import assert from 'node:assert/strict';
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import { jwksFromFile } from '../src/index.js';

/** A logger that keeps what it was told, by level. */
function recorder() {
  const lines: { level: 'error' | 'info'; fields: Record<string, unknown>; message: string }[] = [];
  const at =
    (level: 'error' | 'info') =>
    (fields: Record<string, unknown>, message: string): void => {
      lines.push({ level, fields, message });
    };
  return { lines, logger: { error: at('error'), info: at('info') } as never };
}

async function jwksText(): Promise<string> {
  const { publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  return JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), alg: 'EdDSA', kid: 'k1' }] });
}

describe('jwksFromFile', () => {
  it('logs an unusable file once per problem, leaves the disk alone until the next check, and logs the recovery', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'jwks-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    const path = join(dir, 'jwks.json');
    const { lines, logger } = recorder();
    const source = jwksFromFile(path, logger);

    await assert.rejects(source.refresh(), /ENOENT/);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.level, 'error');
    assert.equal(lines[0]?.fields.path, path);
    assert.match(String(lines[0]?.fields.problem), /ENOENT/);

    // Within the check interval the remembered refusal stands: the file written now is not read.
    await writeFile(path, await jwksText());
    await assert.rejects(source.refresh(), /ENOENT/);
    assert.equal(lines.length, 1, 'the same refusal is not logged again');

    t.mock.timers.tick(1_001);
    assert.equal(await source.refresh(), true, 'read once the check interval passed');
    assert.deepEqual(
      lines.map((line) => line.level),
      ['error', 'info'],
    );

    // A different problem is a new line; the same one over the next checks is not.
    await writeFile(path, '{"keys": [');
    await utimes(path, new Date(2_000_000), new Date(2_000_000));
    t.mock.timers.tick(1_001);
    await assert.rejects(source.refresh(), SyntaxError);
    t.mock.timers.tick(1_001);
    await assert.rejects(source.refresh(), SyntaxError);
    assert.deepEqual(
      lines.map((line) => line.level),
      ['error', 'info', 'error'],
    );
    assert.match(String(lines[2]?.fields.problem), /JSON/);
  });

  it('refuses while the file is unusable even with keys loaded before (they may have been withdrawn)', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'jwks-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    const path = join(dir, 'jwks.json');
    await writeFile(path, await jwksText());
    const source = jwksFromFile(path);
    assert.equal(await source.refresh(), true);
    await rm(path);
    t.mock.timers.tick(1_001);
    await assert.rejects(source.refresh(), /ENOENT/);
  });
});

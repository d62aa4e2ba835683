import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, type ConfigSpec, parseConfig, parseDuration, processConfigSpec } from '../src/index.js';

/** Keys of every kind a provider reads: an address, the process keys, a switch, a bounded int. */
const spec = {
  listen: {
    kind: 'listen',
    env: 'MCPFLEET_LISTEN',
    flag: 'listen',
    default: '127.0.0.1:50051',
    doc: 'address',
  },
  ...processConfigSpec,
  insecureNoIdentity: {
    kind: 'bool',
    env: 'MCPFLEET_INSECURE_NO_IDENTITY',
    flag: 'insecure-no-identity',
    default: false,
    doc: 'a switch',
  },
  maxRows: {
    kind: 'int',
    env: 'X_MAX_ROWS',
    flag: 'max-rows',
    default: 100,
    min: 1,
    max: 10_000,
    doc: 'row cap',
  },
} satisfies ConfigSpec;

describe('configuration', () => {
  it('uses defaults, then the environment, then flags', () => {
    const defaults = parseConfig(spec, { env: {}, argv: [] });
    assert.deepEqual(defaults.listen, { host: '127.0.0.1', port: 50051 });
    assert.equal(defaults.maxRows, 100);
    assert.equal(defaults.insecureNoIdentity, false);
    const fromEnv = parseConfig(spec, { env: { MCPFLEET_LISTEN: '[::1]:7000', X_MAX_ROWS: '5' }, argv: [] });
    assert.deepEqual(fromEnv.listen, { host: '::1', port: 7000 });
    assert.equal(fromEnv.maxRows, 5);
    const fromFlags = parseConfig(spec, {
      env: { X_MAX_ROWS: '5' },
      argv: ['--max-rows=7', '--listen', ':9000', '--insecure-no-identity', '--drain-timeout', '2m'],
    });
    assert.equal(fromFlags.maxRows, 7);
    assert.deepEqual(fromFlags.listen, { host: '0.0.0.0', port: 9000 });
    assert.equal(fromFlags.insecureNoIdentity, true);
    assert.equal(fromFlags.drainTimeout, 120_000);
  });

  it('names every bad key, its source and what was expected, in one error', () => {
    const err = (() => {
      try {
        parseConfig(spec, {
          env: { MCPFLEET_LOG_LEVEL: 'loud', X_MAX_ROWS: '0', MCPFLEET_DRAIN_TIMEOUT: 'soon' },
          argv: ['--listen', 'localhost:99999', '--bogus', '1', '--insecure-no-identity=maybe'],
        });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(err instanceof ConfigError);
    assert.deepEqual(err.problems, [
      'unknown argument "--bogus" (see --help)',
      'unknown argument "1" (see --help)',
      '--listen="localhost:99999": expected host:port',
      'MCPFLEET_LOG_LEVEL="loud": expected one of trace, debug, info, warn, error, fatal',
      'MCPFLEET_DRAIN_TIMEOUT="soon": expected a duration such as 500ms, 30s or 2m',
      '--insecure-no-identity="maybe": expected true or false',
      'X_MAX_ROWS="0": must be >= 1',
    ]);
  });

  it('parses durations', () => {
    assert.equal(parseDuration('250'), 250);
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('1h'), 3_600_000);
    assert.equal(parseDuration('-1s'), undefined);
    assert.equal(parseDuration('10 parsecs'), undefined);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, FleetError, GrpcStatus } from '@mcp-fleet/contract';
import { LOCAL_CALLER } from '../src/auth/authenticator.js';
import { sessionDialect } from '../src/engine/session-dialect.js';
import { RelayedError, refusals, wireErrorOf } from '../src/protocol/errors.js';
import type { SessionData } from '../src/session/types.js';

const session: SessionData = {
  id: 's1',
  principal: LOCAL_CALLER.principal,
  protocolVersion: '2025-11-25',
  clientCapabilities: {},
  clientInfo: {},
  logLevel: 'info',
  createdAt: 0,
};

const envelope = (headers: Record<string, string>) => ({ header: (name: string) => headers[name] });
const lookup = async (id: string) => (id === session.id ? session : undefined);

describe('errors from the catalogue', () => {
  it('a provider error keeps its own code on the wire, and counts as its catalogue entry when there is one', () => {
    const own = new RelayedError(42, 'teapot', { why: 'short and stout' });
    assert.deepEqual(own.toWire(), { code: 42, message: 'teapot', data: { why: 'short and stout' } });
    assert.equal(own.kind, 'InternalError');
    const known = new RelayedError(ErrorCode.InvalidParams, 'bad');
    assert.equal(known.kind, 'InvalidParams');
    assert.equal(known.grpcStatus, GrpcStatus.INVALID_ARGUMENT);
  });

  it('anything that is no FleetError reaches the client as an internal error', () => {
    assert.deepEqual(wireErrorOf(new Error('boom')), {
      code: ErrorCode.InternalError,
      message: 'Internal error: boom',
    });
  });

  it('transport refusals carry their HTTP status and headers, and map to gRPC by their entry', () => {
    const refused = refusals.methodNotAllowed();
    assert.equal(refused.code, ErrorCode.TransportRefused);
    assert.equal(refused.httpStatus, 405);
    assert.deepEqual(refused.headers, { allow: 'GET, POST, DELETE' });
    assert.equal(refusals.draining().grpcStatus, GrpcStatus.UNAVAILABLE);
  });
});

describe('the session dialect', () => {
  const refusedWith = async (headers: Record<string, string>, code: number, status: number) => {
    await assert.rejects(
      sessionDialect.sessionOf(envelope(headers), LOCAL_CALLER, lookup),
      (err: unknown) => {
        assert.ok(err instanceof FleetError);
        assert.equal(err.code, code);
        assert.equal(err.httpStatus, status);
        return true;
      },
    );
  };

  it('finds the session the Mcp-Session-Id header names, for its own principal only', async () => {
    assert.equal(
      await sessionDialect.sessionOf(envelope({ 'mcp-session-id': 's1' }), LOCAL_CALLER, lookup),
      session,
    );
    await refusedWith({}, ErrorCode.TransportRefused, 400);
    await refusedWith({ 'mcp-session-id': 'other' }, ErrorCode.SessionNotFound, 404);
    const stranger = { ...LOCAL_CALLER, principal: 'someone-else' };
    await assert.rejects(
      sessionDialect.sessionOf(envelope({ 'mcp-session-id': 's1' }), stranger, lookup),
      (err: unknown) => err instanceof FleetError && err.code === ErrorCode.SessionNotFound,
    );
    await refusedWith(
      { 'mcp-session-id': 's1', 'mcp-protocol-version': '1999-01-01' },
      ErrorCode.TransportRefused,
      400,
    );
  });

  it('opens a session at the version both sides speak, and names batches and resumption by it', () => {
    const server = { capabilities: {}, serverInfo: { name: 'gateway' } };
    const opened = sessionDialect.open({ protocolVersion: '2025-03-26' }, 's2', LOCAL_CALLER, server);
    assert.equal(opened.result.protocolVersion, '2025-03-26');
    assert.equal(sessionDialect.allowsBatches(opened.session), true);
    assert.equal(sessionDialect.resumable(opened.session), false);
    assert.equal(sessionDialect.resumable(session), true);
  });
});

/**
 * Another team installs its provider from helm/provider-template in its own namespace: the
 * gateways find it through the Service's discovery label, and an agent's session sees its tools
 * appear and can call them, with no change to the fleet's release.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { agentPerSuite, call, text } from './agent.js';
import { helm, NAMESPACE, ROOT, TEAM_NAMESPACE, until } from './cluster.js';

describe('label discovery: a provider from helm/provider-template joins live', () => {
  const agent = agentPerSuite();

  it('lists and calls the new provider once its Service exists', async () => {
    const before = (await agent().listTools()).tools.map((t) => t.name);
    assert.ok(!before.includes('weather_forecast'));
    let changed = false;
    agent().setNotificationHandler('notifications/tools/list_changed', () => {
      changed = true;
    });
    await helm([
      'install',
      'weather',
      join(ROOT, 'helm/provider-template'),
      '-n',
      TEAM_NAMESPACE,
      '--set',
      'image.repository=mcp-fleet.local/weather',
      '--set',
      'image.tag=e2e',
      '--set',
      'image.pullPolicy=Never',
      '--set',
      'replicas=1',
      '--set',
      `gateway.namespace=${NAMESPACE}`,
      '--set',
      'gateway.podLabels.app\\.kubernetes\\.io/instance=fleet',
      '--wait',
      '--timeout',
      '3m',
    ]);
    // Each gateway replica discovers the Service on its own; a session's requests may reach
    // either, so the tool counts as joined once it is listed and answers.
    const answer = await until('weather_forecast listed and answering', async () => {
      const { tools } = await agent().listTools();
      if (!tools.some((t) => t.name === 'weather_forecast')) return undefined;
      return text(await call(agent(), 'weather_forecast', { city: 'Lyon' }));
    });
    assert.equal(answer, 'sunny in Lyon');
    await until(
      'notifications/tools/list_changed on the session',
      async () => (changed ? true : undefined),
      30_000,
    );
  });
});

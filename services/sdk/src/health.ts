import type * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';

/** grpc.health.v1 for the whole server ("") and for the provider's own service name. */
export class ProviderHealth {
  private readonly health: HealthImplementation;

  constructor(private readonly serviceNames: string[]) {
    this.health = new HealthImplementation(
      Object.fromEntries(serviceNames.map((name) => [name, 'NOT_SERVING'])),
    );
  }

  addTo(server: grpc.Server): void {
    this.health.addToServer(server);
  }

  set(serving: boolean): void {
    for (const name of this.serviceNames) this.health.setStatus(name, serving ? 'SERVING' : 'NOT_SERVING');
  }
}

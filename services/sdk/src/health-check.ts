import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';

export type HealthStatus = 'SERVING' | 'NOT_SERVING' | 'UNKNOWN' | 'SERVICE_UNKNOWN';

interface HealthClient extends grpc.Client {
  check(
    request: { service: string },
    options: grpc.CallOptions,
    callback: (err: grpc.ServiceError | null, response: { status: HealthStatus }) => void,
  ): void;
}

const HealthClientConstructor = grpc.makeClientConstructor(healthService, 'grpc.health.v1.Health');

/** Asks grpc.health.v1 Check over a real connection, within `timeoutMs`. */
export function checkHealth(target: string, serviceName: string, timeoutMs = 5_000): Promise<HealthStatus> {
  const client = new HealthClientConstructor(
    target,
    grpc.credentials.createInsecure(),
  ) as unknown as HealthClient;
  return new Promise((resolve, reject) => {
    client.check({ service: serviceName }, { deadline: Date.now() + timeoutMs }, (err, response) => {
      client.close();
      if (err) reject(err);
      else resolve(response.status);
    });
  });
}

import { anyOf, each, fields, only, visit } from './spec-rules.js';

/**
 * The Service specs a caller may write: a Service inside the cluster (ClusterIP or headless) in
 * front of pods chosen by a selector. Left out, so refused by construction: node ports and load
 * balancers (they expose pods outside the cluster), external names (a name in the cluster that
 * resolves wherever the caller says) and externalIPs, with which a Service captures traffic to
 * any address, another tenant's included (CVE-2020-8554). The fields the API server defaults on
 * a ClusterIP Service are listed, so a dry run's object passes as written.
 */
const SERVICE_SPEC = fields({
  ...anyOf(
    'selector',
    'clusterIP',
    'clusterIPs',
    'ipFamilies',
    'ipFamilyPolicy',
    'sessionAffinity',
    'sessionAffinityConfig',
    'publishNotReadyAddresses',
    'internalTrafficPolicy',
    'trafficDistribution',
  ),
  type: only('ClusterIP'),
  ports: each(fields(anyOf('name', 'protocol', 'port', 'targetPort', 'appProtocol'))),
});

/** What in a Service's spec lies outside the allow-list; empty when it may be written. */
export function serviceSpecProblems(spec: unknown): string[] {
  const out: string[] = [];
  visit(spec, SERVICE_SPEC, 'spec', false, out);
  return out;
}

#!/usr/bin/env bash
# Prints a Kubernetes Secret with a fresh Ed25519 identity key for the gateway:
#   scripts/identity-secret.sh [name] | kubectl apply -n <namespace> -f -
# signing-key.json (the private JWK) is mounted by the gateway only; jwks.json (the public JWKS)
# by providers. Every gateway replica shares the key. Needs the workspace installed (npm ci).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$(repo_root)"

name=${1:-mcp-fleet-identity}
node --input-type=module - "$name" <<'JS'
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
const publicJwk = await exportJWK(publicKey);
const kid = await calculateJwkThumbprint(publicJwk);
const signingKey = { ...(await exportJWK(privateKey)), alg: 'EdDSA', kid };
const jwks = { keys: [{ ...publicJwk, alg: 'EdDSA', kid, use: 'sig' }] };
const secret = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: process.argv[2], labels: { 'app.kubernetes.io/part-of': 'mcp-fleet' } },
  type: 'Opaque',
  stringData: { 'signing-key.json': JSON.stringify(signingKey), 'jwks.json': JSON.stringify(jwks) },
};
process.stdout.write(`${JSON.stringify(secret, null, 2)}\n`);
JS

/** Who is calling, as authentication established it; the only identity the gateway acts on. */
export interface Caller {
  subject: string;
  /** Who the caller is, unambiguously: method, issuer, tenant and subject (see principalOf). */
  principal: string;
  tenant?: string;
  roles: readonly string[];
  /** OAuth scopes granted to the token (empty for API keys and `none`). */
  scopes: string[];
  /** How the caller authenticated, for the audit log. */
  method: 'api-key' | 'jwt' | 'none';
}

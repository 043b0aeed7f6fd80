import { createSign } from 'node:crypto';
import { Connection, OAuth2 } from 'jsforce';
import { callFailure } from './salesforce-failure';
import type { SalesforceAuth, SalesforceProfile } from './salesforce-profile';

/** The org's daily API requests as the last response's `Sforce-Limit-Info` header gave them. */
export interface ApiUsage {
  used: number;
  limit: number;
}

const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/**
 * A signed-in connection to one org, shared by the profile's calls. A token is asked for when
 * the first call needs one and again only when a call is refused for its session
 * (INVALID_SESSION_ID) and asks for a renewal: jsforce's own refresh is not used, as it would
 * retry a call for as long as the org refuses it.
 */
export class SalesforceSession {
  private current: Promise<Connection> | undefined;
  /** Token requests made (sign-ins and renewals). */
  tokenRequests = 0;
  usage: ApiUsage | undefined;

  constructor(private readonly profile: Pick<SalesforceProfile, 'auth' | 'apiVersion'>) {}

  connection(): Promise<Connection> {
    this.current ??= this.signIn().catch((error: unknown) => {
      this.current = undefined;
      throw callFailure(error, 'signing in');
    });
    return this.current;
  }

  /** A new token in place of `stale`'s (unless another call renewed it already). */
  async renew(stale: Connection): Promise<Connection> {
    if (this.current && (await this.current.catch(() => undefined)) === stale)
      this.current = undefined;
    return this.connection();
  }

  /** Notes the usage a connection saw in its last response. */
  observe(connection: Connection): void {
    const usage = connection.limitInfo?.apiUsage;
    if (usage) this.usage = { used: usage.used, limit: usage.limit };
  }

  private async signIn(): Promise<Connection> {
    this.tokenRequests++;
    const token = await requestToken(this.profile.auth);
    return new Connection({
      instanceUrl: token.instance_url,
      accessToken: token.access_token,
      version: this.profile.apiVersion,
    });
  }
}

async function requestToken(
  auth: SalesforceAuth,
): Promise<{ instance_url: string; access_token: string }> {
  if (auth.flow === 'jwt')
    return new OAuth2({ loginUrl: auth.loginUrl }).requestToken({
      grant_type: JWT_GRANT,
      assertion: jwtAssertion(auth),
    });
  const oauth2 = new OAuth2({
    loginUrl: auth.loginUrl,
    clientId: auth.clientId,
    clientSecret: auth.clientSecret,
  });
  if (auth.flow === 'client-credentials')
    return oauth2.requestToken({ grant_type: 'client_credentials' });
  return oauth2.authenticate(auth.username, auth.password);
}

/**
 * The JWT bearer flow's assertion: issued by the connected app for the user, for the login
 * server, valid three minutes, signed RS256 with the app's private key.
 */
export function jwtAssertion(
  auth: Extract<SalesforceAuth, { flow: 'jwt' }>,
  now: number = Date.now(),
): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'RS256' })}.${part({
    iss: auth.clientId,
    sub: auth.username,
    aud: auth.loginUrl,
    exp: Math.floor(now / 1000) + 180,
  })}`;
  const signature = createSign('RSA-SHA256').update(unsigned).sign(auth.privateKey, 'base64url');
  return `${unsigned}.${signature}`;
}

/**
 * How the loader signs in to the workspace: every request carries `Authorization: Bearer <token>`,
 * the token coming from one of three sources (destination.azure.databricks.auth):
 *
 * - `pat`: a personal access token, `token: "${DATABRICKS_TOKEN}"`
 *   (https://learn.microsoft.com/azure/databricks/dev-tools/auth/pat).
 * - `oauth-m2m`: a Databricks service principal's OAuth secret, exchanged at the workspace's
 *   `/oidc/v1/token` for an hour-long token (client credentials, scope `all-apis`), cached until
 *   shortly before it expires (https://learn.microsoft.com/azure/databricks/dev-tools/auth/oauth-m2m).
 * - `entra-id`: a Microsoft Entra ID token for the Azure Databricks resource from @azure/identity's
 *   DefaultAzureCredential — AKS workload identity, a managed identity, `az login` — so no secret
 *   exists at all (https://learn.microsoft.com/azure/databricks/dev-tools/auth/azure-mi).
 *
 * Tokens are never logged and never part of an error message.
 */
import type { DatabricksAuthMode } from '../../config/config-schema.js';
import { TerminalError, TransientError } from '../../errors.js';
import { isTransientSocketError } from '../../retry.js';

/** Where a request's bearer token comes from. */
export interface TokenSource {
  readonly mode: DatabricksAuthMode;
  /** A token valid for at least a minute more. */
  token(): Promise<string>;
  /** What to check when the workspace refuses the token (completes "… — "). */
  readonly fix: string;
}

/** The HTTP call the OAuth exchange makes: Node's fetch, structurally (tests hand in a stub). */
export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal }) => Promise<FetchResponse>;

export interface FetchResponse {
  readonly status: number;
  text(): Promise<string>;
}

/** The slice of @azure/identity's TokenCredential used. */
export interface EntraCredential {
  getToken(scope: string): Promise<{ token: string; expiresOnTimestamp: number } | null>;
}

/**
 * The Azure Databricks first-party application: an Entra token for it is accepted by every
 * workspace (https://learn.microsoft.com/azure/databricks/dev-tools/auth/user-aad-token).
 */
export const AZURE_DATABRICKS_SCOPE = '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default';

/** A cached token is replaced this long before it expires (a statement may take a while to submit). */
const REFRESH_MARGIN_MS = 5 * 60_000;

/** A personal access token, as configured. */
export function patTokenSource(token: string): TokenSource {
  return {
    mode: 'pat',
    token: async () => token,
    fix: 'check destination.azure.databricks.token (DATABRICKS_TOKEN): a personal access token that has not expired or been revoked, of a user allowed to use the SQL warehouse',
  };
}

/** Tokens valid until a known time, shared by concurrent callers, fetched again near expiry. */
abstract class CachedTokenSource implements TokenSource {
  abstract readonly mode: DatabricksAuthMode;
  abstract readonly fix: string;
  #cached: { token: string; expiresAt: number } | undefined;
  #pending: Promise<string> | undefined;

  constructor(protected readonly now: () => number) {}

  token(): Promise<string> {
    if (this.#cached && this.#cached.expiresAt - REFRESH_MARGIN_MS > this.now()) return Promise.resolve(this.#cached.token);
    this.#pending ??= this.fetchToken().then(
      (fresh) => {
        this.#cached = fresh;
        this.#pending = undefined;
        return fresh.token;
      },
      (error: unknown) => {
        this.#pending = undefined;
        throw error;
      },
    );
    return this.#pending;
  }

  protected abstract fetchToken(): Promise<{ token: string; expiresAt: number }>;
}

/** The OAuth token request of a service principal (client credentials grant, HTTP Basic client authentication). */
export function oauthTokenRequest(baseUrl: string, clientId: string, clientSecret: string): { url: string; init: { method: string; headers: Record<string, string>; body: string } } {
  return {
    url: `${baseUrl}/oidc/v1/token`,
    init: {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials&scope=all-apis',
    },
  };
}

/** OAuth machine-to-machine: the workspace's token endpoint, for a service principal's secret. */
export class OAuthM2MTokenSource extends CachedTokenSource {
  readonly mode = 'oauth-m2m' as const;
  readonly fix = 'check destination.azure.databricks.client_id and client_secret: an OAuth secret of a service principal of this workspace, not expired';

  constructor(private readonly baseUrl: string, private readonly clientId: string, private readonly clientSecret: string,
    private readonly fetch: FetchLike, now: () => number = Date.now) {
    super(now);
  }

  protected async fetchToken(): Promise<{ token: string; expiresAt: number }> {
    const { url, init } = oauthTokenRequest(this.baseUrl, this.clientId, this.clientSecret);
    const doing = `getting an OAuth token from ${url}`;
    let status: number;
    let text: string;
    try {
      const response = await this.fetch(url, { ...init, signal: AbortSignal.timeout(60_000) });
      status = response.status;
      text = await response.text();
    } catch (error) {
      if (isTransientSocketError(error) || (error instanceof Error && error.name === 'TimeoutError')) {
        throw new TransientError(`${doing}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      throw new TerminalError(`${doing}: ${error instanceof Error ? error.message : String(error)} — check destination.azure.databricks.host`, { cause: error });
    }
    const body = parseJson(text);
    if (status === 200 && typeof body.access_token === 'string') {
      const seconds = typeof body.expires_in === 'number' ? body.expires_in : 3600;
      return { token: body.access_token, expiresAt: this.now() + seconds * 1000 };
    }
    // RFC 6749 §5.2: {error, error_description}; never echo the request.
    const reason = [body.error, body.error_description].filter((v) => typeof v === 'string').join(': ') || `HTTP ${status}`;
    if (status === 429 || status >= 500) throw new TransientError(`${doing}: ${reason}`);
    throw new TerminalError(`${doing}: the workspace refused the service principal (${reason}) — ${this.fix}`);
  }
}

/** Microsoft Entra ID, through @azure/identity's DefaultAzureCredential (loaded on first use). */
export class EntraTokenSource extends CachedTokenSource {
  readonly mode = 'entra-id' as const;
  readonly fix = 'check the loader\'s Microsoft Entra identity (AKS workload identity, managed identity or az login): it must be a user or service principal added to this workspace, allowed to use the SQL warehouse';
  #credential: Promise<EntraCredential> | undefined;

  constructor(credential?: EntraCredential, now: () => number = Date.now) {
    super(now);
    if (credential) this.#credential = Promise.resolve(credential);
  }

  protected async fetchToken(): Promise<{ token: string; expiresAt: number }> {
    this.#credential ??= import('@azure/identity').then(({ DefaultAzureCredential }) => new DefaultAzureCredential());
    let answer: Awaited<ReturnType<EntraCredential['getToken']>>;
    try {
      answer = await (await this.#credential).getToken(AZURE_DATABRICKS_SCOPE);
    } catch (error) {
      const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
      // CredentialUnavailableError: no identity in this environment; AuthenticationError: one refused it.
      throw new TerminalError(`Microsoft Entra ID sign-in for Databricks failed (${reason}) — ${this.fix}`, { cause: error });
    }
    if (!answer) throw new TerminalError(`Microsoft Entra ID returned no token for Databricks — ${this.fix}`);
    return { token: answer.token, expiresAt: answer.expiresOnTimestamp };
  }
}

function parseJson(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * Authentication for Campaign SOAP calls (contract campaign.md §2):
 * - session mode: `xtk:session#Logon` once, then every call carries the session token as its first
 *   `<sessiontoken>` parameter and as the `__sessiontoken` cookie, and the security token in
 *   `X-Security-Token`. A fault `XSV-350008` (expired or invalid session) earns ONE new logon and
 *   one retry; a second one is an AuthError.
 * - bearer mode (v8.5+): `Authorization: Bearer <IMS token>` and an empty `<sessiontoken/>`.
 *   On `XSV-350008` the token is asked for again once (it may have been refreshed).
 */
import { z } from 'zod';
import { AuthError } from '../../errors.js';
import { CampaignFaultError, SESSION_EXPIRED, elementParam, stringParam, type SoapAuth, type SoapRequest } from './soap.js';
import { child, element, type XmlElement } from './xml.js';

export type CampaignCredentials = { type: 'session'; login: string; password: string } | { type: 'bearer'; token: string };

export type SoapPost = (request: SoapRequest, auth: SoapAuth) => Promise<XmlElement>;

export interface CampaignSession {
  /** Make one authenticated call, logging on first when needed. */
  call(request: SoapRequest): Promise<XmlElement>;
}

const LogonAnswer = z.object({
  sessionToken: z.string().trim().min(1, { message: 'pstrSessionToken is empty' }),
  securityToken: z.string().trim().min(1, { message: 'pstrSecurityToken is empty' }),
});

const isSessionExpired = (error: unknown): error is CampaignFaultError =>
  error instanceof CampaignFaultError && error.vendorCode === SESSION_EXPIRED;

async function logon(post: SoapPost, login: string, password: string): Promise<SoapAuth> {
  let answer: XmlElement;
  try {
    answer = await post(
      {
        urn: 'xtk:session',
        method: 'Logon',
        params: [stringParam('strLogin', login), stringParam('strPassword', password), elementParam('elemParameters', element('parameters'))],
      },
      { sessionToken: '', headers: {} },
    );
  } catch (error) {
    // Any fault to a Logon (wrong password, locked operator, no right to log on) is a refusal.
    if (error instanceof CampaignFaultError) {
      throw new AuthError('campaign', `campaign xtk:session#Logon refused for "${login}": ${error.faultString.trim()}`, { cause: error });
    }
    throw error;
  }
  const parsed = LogonAnswer.safeParse({
    sessionToken: child(answer, 'pstrSessionToken')?.text,
    securityToken: child(answer, 'pstrSecurityToken')?.text,
  });
  if (!parsed.success) {
    throw new AuthError('campaign', `campaign xtk:session#Logon: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  }
  const { sessionToken, securityToken } = parsed.data;
  return {
    sessionToken,
    headers: { 'x-security-token': securityToken, cookie: `__sessiontoken=${sessionToken}` },
  };
}

export function createSession(post: SoapPost, credentials: () => Promise<CampaignCredentials>): CampaignSession {
  // Shared by concurrent calls so that a cold start logs on once, not once per call in flight.
  let current: Promise<SoapAuth> | undefined;

  const authenticate = async (): Promise<SoapAuth> => {
    const creds = await credentials();
    if (creds.type === 'bearer') return { sessionToken: '', headers: { authorization: `Bearer ${creds.token}` } };
    return logon(post, creds.login, creds.password);
  };

  const auth = (): Promise<SoapAuth> => {
    if (!current) {
      const attempt = authenticate();
      current = attempt;
      // A failed logon is not cached: the next call tries again.
      attempt.catch(() => {
        if (current === attempt) current = undefined;
      });
    }
    return current;
  };

  return {
    async call(request) {
      const used = auth();
      try {
        return await post(request, await used);
      } catch (error) {
        if (!isSessionExpired(error)) throw error;
        // Another call may already have logged on again: only the first to see it renews.
        if (current === used) current = undefined;
      }
      try {
        return await post(request, await auth());
      } catch (error) {
        if (isSessionExpired(error)) {
          throw new AuthError('campaign', `campaign ${request.urn}#${request.method}: session refused again after a new logon (${SESSION_EXPIRED})`, {
            cause: error,
          });
        }
        throw error;
      }
    },
  };
}

/**
 * Which IMS org an Admin Console audit event belongs to.
 *
 * Where Adobe puts it — "Admin Console Audit Logs Event Format"
 * (https://developer.adobe.com/events/docs/guides/using/admin-audit-logs/format, source
 * AdobeDocs/adobe-io-events `src/pages/guides/using/admin-audit-logs/format.md`):
 * - "Every event will have the `cloud` stanza populated with the name and ID of your console - the ID
 *   is the same as you see in the browser URL": `data.cloud.org.uid`, e.g. "33911245002965270A49422F@AdobeOrg";
 * - "the `tenant_uid` will be your org/console ID": `data.metadata.tenant_uid`;
 * - the CloudEvents example has `"source": "https://adminconsole.adobe.com/<org>@AdobeOrg"` and
 *   `"subject": "<org>@AdobeOrg"`, which "can be used to identify which Admin Console".
 * Other I/O Events providers put the *provider* in `source` (`"source": "urn:uuid:<the AEM provider_id>"`,
 * AdobeDocs/adobe-io-events AEM FAQ), so `source` and `subject` count only when they carry an org id;
 * a provider urn there says nothing about the org and must not refuse the event.
 */
export interface OrgClaims {
  /** `data` or `event`: where the audit event sits in the envelope. */
  readonly payloadField: string;
  readonly cloudOrgUid: string | null | undefined;
  readonly tenantUid: string | null | undefined;
  readonly subject: string | null | undefined;
  readonly source: string | null | undefined;
}

export type OrgCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly cause: 'other-org' | 'unreadable'; readonly path: string; readonly problem: string };

const ORG_ID = /^[A-Za-z0-9]+@AdobeOrg$/;
/** The org id as the last segment of a URL or urn: `https://adminconsole.adobe.com/<org>@AdobeOrg`. */
const ORG_ID_AT_END = /(?:^|[/:])([A-Za-z0-9]+@AdobeOrg)\/?$/;

/** Every claim present must name `orgId`, and at least one must be present. */
export function checkOrg(claims: OrgClaims, orgId: string): OrgCheck {
  const found: Array<[string, string]> = [];
  // The documented places hold the org id and nothing else: a different value there is another org.
  if (claims.cloudOrgUid) found.push([`${claims.payloadField}.cloud.org.uid`, claims.cloudOrgUid]);
  if (claims.tenantUid) found.push([`${claims.payloadField}.metadata.tenant_uid`, claims.tenantUid]);
  if (claims.subject && ORG_ID.test(claims.subject)) found.push(['subject', claims.subject]);
  const inSource = claims.source ? ORG_ID_AT_END.exec(claims.source)?.[1] : undefined;
  if (inSource) found.push(['source', inSource]);

  if (found.length === 0) {
    return {
      ok: false,
      cause: 'unreadable',
      path: `${claims.payloadField}.cloud.org.uid`,
      problem: `missing (also no metadata.tenant_uid, subject or source naming an org); expected "${orgId}"`,
    };
  }
  for (const [path, value] of found) {
    if (value !== orgId) return { ok: false, cause: 'other-org', path, problem: `${JSON.stringify(value)} is not the configured org "${orgId}"` };
  }
  return { ok: true };
}

/**
 * What `npm start` and `npm run sim` print for a person to copy and paste: curl examples (each
 * ends its output with a newline, `-w '\n'`, so the shell prompt never lands on the JSON) and why
 * a simulator is not on its usual port.
 */

/** Ends a curl command's output with a newline: most answers are one line of JSON without one. */
const NEWLINE = `-w '\\n'`;

/**
 * A copy-paste example of the generic webhook, signed with openssl as the server verifies it:
 * hex HMAC-SHA256 over "<timestamp>.<raw body>" (contracts/io-events.md §6).
 */
export function genericCurlExample(webhookUrl: string, imsUrl: string, orgId: string): string[] {
  return [
    `# 1. change IMS: Li joins AEM-DAM-Users`,
    `curl -sS ${NEWLINE} -X POST ${imsUrl}/__ims/org -d '{"op":"addUserToGroup","email":"li@acme.com","group":"AEM-DAM-Users"}'`,
    `# 2. tell the sync, signed with DEMO_WEBHOOK_SECRET (run the export block first)`,
    `TS=$(date +%s)`,
    `BODY='{"id":"chg-'$TS'","orgId":"${orgId}","occurredAt":"'$(date -u +%Y-%m-%dT%H:%M:%SZ)'","type":"membership.added","user":{"email":"li@acme.com"},"group":"AEM-DAM-Users"}'`,
    `SIG=$(printf '%s.%s' "$TS" "$BODY" | openssl dgst -sha256 -hmac "$DEMO_WEBHOOK_SECRET" | sed 's/^.*= //')`,
    `curl -sS ${NEWLINE} -X POST ${webhookUrl}/webhooks/generic -H 'content-type: application/json' \\`,
    `  -H "x-ims-sync-timestamp: $TS" -H "x-ims-sync-signature: sha256=$SIG" --data-binary "$BODY"`,
  ];
}

export interface SimulatorExampleInput {
  readonly ims: string;
  readonly aemProd: string;
  readonly campaign: string;
  readonly orgId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly aemPassword: string;
}

/** The curl examples of `npm run sim`: a token and the users, an org change, AEM reads, the control routes. */
export function simulatorCurlExamples(s: SimulatorExampleInput): string[] {
  const org = encodeURIComponent(s.orgId);
  return [
    `# a token, then the org's users (directOnly=false: profiles reached through user groups too)`,
    `TOKEN=$(curl -sS -X POST ${s.ims}/ims/token/v3 -d grant_type=client_credentials -d client_id=${s.clientId} -d client_secret=${s.clientSecret} | sed 's/.*"access_token":"\\([^"]*\\)".*/\\1/')`,
    `curl -sS ${NEWLINE} -H "Authorization: Bearer $TOKEN" -H 'X-Api-Key: ${s.clientId}' '${s.ims}/v2/usermanagement/users/${org}/0?directOnly=false'`,
    '',
    `# change the org`,
    `curl -sS ${NEWLINE} -X POST ${s.ims}/__ims/org -d '{"op":"addUserToGroup","email":"li@acme.com","group":"AEM-DAM-Users"}'`,
    '',
    `# AEM: find a group's home, then its declared members`,
    `curl -sS ${NEWLINE} -u ims-sync-service:${s.aemPassword} '${s.aemProd}/bin/querybuilder.json?path=/home/groups&type=rep:Group&property=rep:authorizableId&property.value=AEM-Authors&p.hits=selective&p.properties=jcr:path'`,
    `curl -sS ${NEWLINE} -u ims-sync-service:${s.aemPassword} '${s.aemProd}<home>.rw.json?props=declaredMembers'`,
    '',
    `# every simulator: state, counts, faults (e.g. a 30 s outage; an unknown fault is refused with 400)`,
    `curl -sS ${NEWLINE} ${s.aemProd}/__sim/state`,
    `curl -sS ${NEWLINE} ${s.campaign}/__sim/counts`,
    `curl -sS ${NEWLINE} -X POST ${s.aemProd}/__sim/faults -d '{"outageMs":30000}'`,
  ];
}

/** Why a simulator is not on its usual port: printed by `npm run sim` under its box. */
export function movedPortNotes(planned: readonly { readonly name: string; readonly usual: number; readonly url: string }[]): string[] {
  return planned
    .filter((p) => !p.url.endsWith(`:${p.usual}`))
    .map((p) => `${p.name}: port ${p.usual} is taken (a running \`npm start\` or \`npm run sim\`? \`npm run stop\` stops the stack), so it listens on ${p.url}`);
}

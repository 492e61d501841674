/**
 * The SOAP layer of Campaign Classic (contract campaign.md §2-§3): envelope, SOAPAction, and the
 * one place where an HTTP answer becomes either the method's response element or a typed error.
 *
 * Faults are read from ANY status: Adobe's own SDK reads them only on 2xx (§7), and Campaign
 * answers them with HTTP 500 [assumed], so a client that trusted the status would lose the code.
 */
import { AuthError, ProtocolError, ThrottledError, TargetUnavailableError } from '../../errors.js';
import { parseRetryAfter, TransportError, type HttpResponse, type HttpTransport } from '../../http.js';
import { child, element, parseXml, serialize, text, type Xml, type XmlElement } from './xml.js';

export type SoapUrn = 'xtk:session' | 'xtk:queryDef' | 'xtk:persist';

export interface SoapRequest {
  readonly urn: SoapUrn;
  readonly method: string;
  /** The parameters after the leading `<sessiontoken>`, in order. */
  readonly params: readonly Xml[];
}

/** How one call authenticates: the first `<sessiontoken>` parameter and the headers (§2). */
export interface SoapAuth {
  readonly sessionToken: string;
  readonly headers: Readonly<Record<string, string>>;
}

const SOAP_ENV = 'http://schemas.xmlsoap.org/soap/envelope/';
const SOAP_ENCODING = 'http://schemas.xmlsoap.org/soap/encoding/';
const LITERAL_XML = 'http://xml.apache.org/xml-soap/literalxml';

/** Vendor error codes look like `XSV-350008` (§3). */
const VENDOR_CODE = /\b(\w{3}-\d{6})\b/;

/** A SOAP fault from Campaign, with its `XXX-NNNNNN` code as `vendorCode` when it gave one. */
export class CampaignFaultError extends ProtocolError {
  constructor(
    readonly call: string,
    readonly faultCode: string,
    readonly faultString: string,
    readonly httpStatus: number,
  ) {
    const vendorCode = VENDOR_CODE.exec(faultString)?.[1];
    super('campaign', `campaign ${call}: SOAP fault ${faultCode} "${faultString.trim()}" (HTTP ${httpStatus})`, vendorCode);
  }
}

/** The session expired or is invalid (§2): the one fault that earns a new logon. */
export const SESSION_EXPIRED = 'XSV-350008';

export const stringParam = (name: string, value: string): Xml => element(name, { 'xsi:type': 'xsd:string' }, value === '' ? [] : [text(value)]);

export const elementParam = (name: string, content: Xml): Xml =>
  element(name, { 'xsi:type': 'ns:Element', 'SOAP-ENV:encodingStyle': LITERAL_XML }, [content]);

export const soapAction = (request: Pick<SoapRequest, 'urn' | 'method'>): string => `${request.urn}#${request.method}`;

export function soapEnvelope(request: SoapRequest, sessionToken: string): string {
  const method = element(`m:${request.method}`, { 'xmlns:m': `urn:${request.urn}`, 'SOAP-ENV:encodingStyle': SOAP_ENCODING }, [
    stringParam('sessiontoken', sessionToken),
    ...request.params,
  ]);
  const envelope = element(
    'SOAP-ENV:Envelope',
    {
      'xmlns:xsd': 'http://www.w3.org/2001/XMLSchema',
      'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
      'xmlns:ns': 'http://xml.apache.org/xml-soap',
      'xmlns:SOAP-ENV': SOAP_ENV,
    },
    [element('SOAP-ENV:Header'), element('SOAP-ENV:Body', {}, [method])],
  );
  return `<?xml version="1.0" encoding="UTF-8"?>${serialize(envelope)}`;
}

function findFault(response: HttpResponse, call: string): CampaignFaultError | undefined {
  if (!response.body.includes('Fault')) return undefined;
  let root: XmlElement;
  try {
    root = parseXml(response.body, `${call} fault`);
  } catch {
    return undefined; // not XML (a proxy's error page): the status decides.
  }
  const body = root.name === 'Envelope' ? child(root, 'Body') : undefined;
  const fault = body && child(body, 'Fault');
  if (!fault) return undefined;
  return new CampaignFaultError(
    call,
    child(fault, 'faultcode')?.text.trim() ?? '',
    child(fault, 'faultstring')?.text ?? '',
    response.status,
  );
}

/** Turn one HTTP answer into the `<MethodResponse>` element, or throw the typed error it means. */
export function interpretResponse(call: string, method: string, response: HttpResponse, nowMs: number): XmlElement {
  const fault = findFault(response, call);
  if (fault) throw fault;
  const { status } = response;
  if (status === 401 || status === 403) throw new AuthError('campaign', `campaign ${call}: HTTP ${status}, credentials refused`);
  const retryAfterMs = parseRetryAfter(response.headers['retry-after'], nowMs);
  if (status === 429 || (status === 503 && retryAfterMs !== undefined)) {
    throw new ThrottledError('campaign', retryAfterMs ?? 1000, `campaign ${call}: throttled (HTTP ${status})`);
  }
  if (status >= 500) throw new TargetUnavailableError('campaign', `campaign ${call}: HTTP ${status} without a SOAP fault`);
  if (status < 200 || status >= 300) throw new ProtocolError('campaign', `campaign ${call}: unexpected HTTP ${status}`);
  const root = parseXml(response.body, `campaign ${call}`);
  const body = root.name === 'Envelope' ? child(root, 'Body') : undefined;
  const answer = body && child(body, `${method}Response`);
  if (!answer) throw new ProtocolError('campaign', `campaign ${call}: answer has no Envelope/Body/${method}Response`);
  return answer;
}

export interface SoapPostDeps {
  readonly http: HttpTransport;
  /** `<baseUrl>/nl/jsp/soaprouter.jsp` */
  readonly endpoint: string;
  readonly timeoutMs: number;
  readonly now: () => number;
}

/** One SOAP call over HTTP: transport failures become TargetUnavailableError, answers go through `interpretResponse`. */
export async function postSoap(deps: SoapPostDeps, request: SoapRequest, auth: SoapAuth): Promise<XmlElement> {
  const call = soapAction(request);
  let response: HttpResponse;
  try {
    response = await deps.http({
      method: 'POST',
      url: deps.endpoint,
      headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: call, ...auth.headers },
      body: soapEnvelope(request, auth.sessionToken),
      timeoutMs: deps.timeoutMs,
    });
  } catch (error) {
    // Whatever the transport throws (timeout, refused connection) means "not reachable now".
    const detail = error instanceof TransportError || error instanceof Error ? error.message : String(error);
    throw new TargetUnavailableError('campaign', `campaign ${call}: ${detail}`, { cause: error });
  }
  return interpretResponse(call, request.method, response, deps.now());
}

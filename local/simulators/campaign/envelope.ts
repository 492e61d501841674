/**
 * The SOAP answers of the simulator, in the shape Campaign answers them (contract campaign.md §2-§3):
 * `<MethodResponse xmlns="urn:...">` in an Envelope, and faults as
 * `<SOAP-ENV:Fault><faultcode/><faultstring>XXX-NNNNNN message</faultstring><detail/></SOAP-ENV:Fault>`
 * with HTTP 500 [assumed].
 */
import type { SimResponse } from '../http-sim.js';
import { element, serialize, text, type Xml } from '../../../lib/targets/campaign/xml.js';

const ENVELOPE_ATTRS = {
  'xmlns:xsd': 'http://www.w3.org/2001/XMLSchema',
  'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
  'xmlns:ns': 'http://xml.apache.org/xml-soap',
  'xmlns:SOAP-ENV': 'http://schemas.xmlsoap.org/soap/envelope/',
};

/**
 * Fault codes the simulator answers. Only XSV-350008 (expired or invalid session) is documented
 * (§2); the others are the simulator's own choices, in Campaign's `XXX-NNNNNN` form.
 */
export const SIM_FAULTS = {
  sessionExpired: 'XSV-350008 Session has expired or is invalid. Please reconnect.',
  badLogin: 'XSV-350022 Incorrect login or password.',
  badRequest: 'SOP-330011 The SOAP request could not be read.',
  unknownMethod: 'SOP-330006 Method not found.',
  badQuery: 'XTK-170006 Unable to parse expression.',
  noRecord: 'XTK-170007 The requested record does not exist.',
  unknownEntity: 'XSV-350122 Unknown entity in the document.',
  duplicate: 'PGS-220000 Duplicate key value violates unique constraint.',
} as const;

const envelope = (body: Xml): string => `<?xml version='1.0'?>${serialize(element('SOAP-ENV:Envelope', ENVELOPE_ATTRS, [element('SOAP-ENV:Body', {}, [body])]))}`;

const XML_HEADERS = { 'content-type': 'text/xml;charset=utf-8' };

export function soapAnswer(urn: string, method: string, params: readonly Xml[]): SimResponse {
  const body = element(
    `${method}Response`,
    { xmlns: `urn:${urn}`, 'SOAP-ENV:encodingStyle': 'http://schemas.xmlsoap.org/soap/encoding/' },
    params,
  );
  return { status: 200, headers: XML_HEADERS, body: envelope(body) };
}

export const stringOut = (name: string, value: string): Xml => element(name, { 'xsi:type': 'xsd:string' }, [text(value)]);
export const elementOut = (name: string, content: Xml): Xml =>
  element(name, { 'xsi:type': 'ns:Element', 'SOAP-ENV:encodingStyle': 'http://xml.apache.org/xml-soap/literalxml' }, [content]);

export function soapFault(faultString: string, detail = '', faultCode: 'SOAP-ENV:Client' | 'SOAP-ENV:Server' = 'SOAP-ENV:Client'): SimResponse {
  const fault = element('SOAP-ENV:Fault', {}, [
    element('faultcode', {}, [text(faultCode)]),
    element('faultstring', { 'xsi:type': 'xsd:string' }, [text(faultString)]),
    element('detail', { 'xsi:type': 'xsd:string' }, detail ? [text(detail)] : []),
  ]);
  return { status: 500, headers: XML_HEADERS, body: envelope(fault) };
}

/** Thrown inside a method handler to answer a fault. */
export class SimFault extends Error {
  constructor(
    readonly faultString: string,
    readonly detail = '',
  ) {
    super(faultString);
  }
}

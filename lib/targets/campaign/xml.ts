/**
 * The XML of the Campaign SOAP API, both ways, kept small and safe:
 * - building: a tiny builder whose only way to put a string into a document is through escaping
 *   (`text`, attribute values), so a name like `<x>&` or `a' or 1=1 or '` is always data;
 * - parsing: fast-xml-parser with entity processing OFF and any `<!DOCTYPE`/`<!ENTITY` refused up
 *   front, so no internal or external entity is ever expanded (contract campaign.md §6: "the XML
 *   parser must not resolve external entities"). The five predefined entities and numeric
 *   character references are decoded here, by hand, and nothing else.
 */
import { XMLParser } from 'fast-xml-parser';
import { ProtocolError, ValidationError } from '../../errors.js';

/** An escaped XML fragment. Only this module makes them, so unescaped text cannot slip in. */
export interface Xml {
  readonly __xml: string;
}

/** A parsed element: namespace prefixes removed from element and attribute names. */
export interface XmlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** The element's own text (CDATA included), concatenated; whitespace kept. */
  readonly text: string;
}

// XML 1.0 §2.2 Char: anything else (most C0 controls, lone surrogates, U+FFFE/U+FFFF) cannot be
// written at all, not even as a character reference.
const INVALID_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const NAME = /^[A-Za-z_][\w.:-]*$/;

function assertWritable(value: string, where: string): void {
  if (INVALID_XML_CHAR.test(value)) {
    throw new ValidationError(`campaign XML ${where}: contains a character XML cannot carry (control character?): ${JSON.stringify(value)}`);
  }
}

export function escapeText(value: string): string {
  assertWritable(value, 'text');
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\r/g, '&#13;');
}

/** Attribute values also keep tab/newline/CR, which attribute-value normalization would turn into spaces. */
export function escapeAttribute(value: string): string {
  return escapeText(value).replace(/\t/g, '&#9;').replace(/\n/g, '&#10;');
}

export const text = (value: string): Xml => ({ __xml: escapeText(value) });

export type Attributes = Readonly<Record<string, string | undefined>>;

/** `<name a="v">children</name>`; attributes whose value is undefined are left out. */
export function element(name: string, attrs: Attributes = {}, children: readonly Xml[] = []): Xml {
  if (!NAME.test(name)) throw new ValidationError(`campaign XML: invalid element name ${JSON.stringify(name)}`);
  let open = `<${name}`;
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined) continue;
    if (!NAME.test(key)) throw new ValidationError(`campaign XML: invalid attribute name ${JSON.stringify(key)}`);
    open += ` ${key}="${escapeAttribute(value)}"`;
  }
  if (children.length === 0) return { __xml: `${open}/>` };
  return { __xml: `${open}>${children.map((c) => c.__xml).join('')}</${name}>` };
}

export const serialize = (node: Xml): string => node.__xml;

// ---------------------------------------------------------------------------------------------
// Parsing

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  cdataPropName: '#cdata',
});

const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeReferences(raw: string, where: string): string {
  return raw.replace(/&([^;&\s]*);?/g, (whole, ref: string) => {
    if (!whole.endsWith(';')) throw new ProtocolError('campaign', `${where}: bare "&" in XML`);
    const named = PREDEFINED[ref];
    if (named !== undefined) return named;
    const numeric = /^#x([0-9a-fA-F]{1,6})$/.exec(ref) ?? /^#([0-9]{1,7})$/.exec(ref);
    if (numeric?.[1] !== undefined) {
      const code = Number.parseInt(numeric[1], ref.startsWith('#x') ? 16 : 10);
      const char = code <= 0x10ffff ? String.fromCodePoint(code) : '';
      if (char === '' || INVALID_XML_CHAR.test(char)) throw new ProtocolError('campaign', `${where}: invalid character reference &${ref};`);
      return char;
    }
    // Only a DOCTYPE could define other entities, and DOCTYPEs are refused: this is not XML we accept.
    throw new ProtocolError('campaign', `${where}: undefined entity &${ref}; (entities are never expanded)`);
  });
}

type OrderedNode = Record<string, unknown>;

function toElement(name: string, node: OrderedNode, where: string): XmlElement {
  const rawAttrs = (node[':@'] ?? {}) as Record<string, unknown>;
  // No prototype: an attribute called __proto__ is data, not a way into Object.prototype.
  const attrs = Object.create(null) as Record<string, string>;
  for (const [key, value] of Object.entries(rawAttrs)) {
    // Namespace declarations carry no data for us.
    if (key === 'xmlns' || key.startsWith('xmlns:')) continue;
    attrs[key] = decodeReferences(String(value), where);
  }
  const children: XmlElement[] = [];
  let ownText = '';
  for (const child of (node[name] ?? []) as OrderedNode[]) {
    const childName = Object.keys(child).find((k) => k !== ':@');
    if (childName === undefined) continue;
    if (childName === '#text') ownText += decodeReferences(String(child['#text']), where);
    else if (childName === '#cdata') {
      for (const part of child['#cdata'] as OrderedNode[]) ownText += String(part['#text'] ?? '');
    } else children.push(toElement(childName, child, where));
  }
  return { name, attrs, children, text: ownText };
}

/**
 * Parse an XML document into its root element. Refuses DTDs outright (no entity, internal or
 * external, is ever read), and ill-formed XML. `where` names the call for error messages.
 */
export function parseXml(document: string, where: string): XmlElement {
  if (/<!DOCTYPE|<!ENTITY/i.test(document)) {
    throw new ProtocolError('campaign', `${where}: the answer carries a DOCTYPE/ENTITY declaration; refused (entities are never expanded)`);
  }
  let nodes: OrderedNode[];
  try {
    nodes = parser.parse(document, true) as OrderedNode[];
  } catch (error) {
    throw new ProtocolError('campaign', `${where}: the answer is not well-formed XML`, undefined, { cause: error });
  }
  const roots = nodes.filter((n) => Object.keys(n).some((k) => k !== ':@' && k !== '#text'));
  const root = roots[0];
  const rootName = root && Object.keys(root).find((k) => k !== ':@');
  if (!root || rootName === undefined || roots.length !== 1) {
    throw new ProtocolError('campaign', `${where}: the answer has no single root element`);
  }
  return toElement(rootName, root, where);
}

// ---------------------------------------------------------------------------------------------
// Navigation helpers

export const child = (parent: XmlElement, name: string): XmlElement | undefined => parent.children.find((c) => c.name === name);
export const childrenNamed = (parent: XmlElement, name: string): XmlElement[] => parent.children.filter((c) => c.name === name);

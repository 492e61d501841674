/**
 * Names built to break encodings (issue 9 §3): path traversal plain and percent-encoded, quotes,
 * CDATA ends, entity declarations, an XTK/SQL-style injection, a line break, bidirectional marks,
 * XML/HTML specials, spaces (leading, doubled, trailing) and non-ASCII. Every adapter must carry each
 * one as data — read, add and remove — or, where its vendor contract forbids the character, refuse
 * that name alone (never read it as empty, never send it).
 */
export const HOSTILE_NAMES = {
  traversal: '../',
  deepTraversal: '../../etc/passwd',
  encodedDots: '%2e%2e',
  encodedTraversal: '%2e%2e%2f..%2F',
  doubleQuote: 'say "hi"',
  singleQuote: "o'brien",
  cdataEnd: 'x]]>y',
  entity: '<!ENTITY xxe SYSTEM "file:///etc/passwd">',
  injection: "' or 1=1 or '",
  newline: 'line\nbreak',
  rtl: 'abc\u202Edcba\u200F',
  ampersand: 'R&D',
  angles: '<b>bold</b>',
  spaces: ' two  spaces ',
  nonAscii: 'Grüppe 東京 ß',
} as const;

export type HostileKey = keyof typeof HOSTILE_NAMES;

/** Every hostile name, as a list. */
export const HOSTILE_LIST: readonly string[] = Object.values(HOSTILE_NAMES);

/** A user id built from a hostile name (keeps it distinct from the group of the same name). */
export const hostileUser = (name: string): string => `u ${name}@acme.com`;

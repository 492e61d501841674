/**
 * Regular expressions from configuration: Campaign association masks and managed-group patterns.
 * Both match the whole name (anchored at both ends) and case-insensitively, since IMS names compare
 * case-insensitively; a captured internal name keeps the case the profile name has
 * (contracts/campaign.md §1, [assumed] anchoring and case rules kept here, in one place).
 */

/**
 * Count the capturing groups of a regular expression source: plain `(` and named `(?<name>`;
 * not `(?:`, look-arounds, escaped parentheses or parentheses inside a character class.
 */
export function countCaptureGroups(source: string): number {
  let count = 0;
  let inClass = false;
  for (let i = 0; i < source.length; i += 1) {
    const char = source[i];
    if (char === '\\') {
      i += 1;
      continue;
    }
    if (inClass) {
      if (char === ']') inClass = false;
      continue;
    }
    if (char === '[') {
      inClass = true;
      continue;
    }
    if (char !== '(') continue;
    if (source[i + 1] !== '?') {
      count += 1;
    } else if (source[i + 2] === '<' && source[i + 3] !== '=' && source[i + 3] !== '!') {
      count += 1;
    }
  }
  return count;
}

/** Compile a pattern to match a whole name, case-insensitively. Throws SyntaxError when invalid. */
export function compileWholeName(source: string): RegExp {
  // Compiled alone first: an unbalanced source such as `a)|(b` would otherwise escape the anchors.
  new RegExp(source, 'u');
  return new RegExp(`^(?:${source})$`, 'iu');
}

/** The Campaign operator-group internal name that a product profile maps to under a mask, if any. */
export function captureInternalName(mask: RegExp, profileName: string): string | undefined {
  const match = mask.exec(profileName);
  const captured = match?.slice(1).find((value) => value !== undefined);
  return captured === undefined || captured === '' ? undefined : captured;
}

/**
 * Reading a Sling POST HTML answer (contracts/aem.md §5): the outcome is in `<div id="Status">` and
 * `<div id="Message">`, which may disagree with the HTTP status, so both are checked.
 */

const divText = (html: string, id: string): string | undefined => {
  const match = new RegExp(`<div id="${id}">([\\s\\S]*?)</div>`, 'i').exec(html);
  return match?.[1] === undefined ? undefined : unescapeHtml(match[1]).trim();
};

const unescapeHtml = (text: string): string =>
  text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#0*39;|&apos;/g, "'")
    .replace(/&amp;/g, '&');

export interface SlingOutcome {
  /** The Status div as a number; undefined when the answer has none. */
  readonly status: number | undefined;
  readonly message: string | undefined;
}

export function readSlingAnswer(html: string): SlingOutcome {
  const statusText = divText(html, 'Status');
  const status = statusText !== undefined && /^\d{3}$/.test(statusText) ? Number(statusText) : undefined;
  return { status, message: divText(html, 'Message') };
}

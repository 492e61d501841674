/** Sling POST servlet answers, HTML flavour (contracts/aem.md §5): Status, Message, ChangeLog divs. */
import type { SimResponse } from '../http-sim.js';

export const escapeHtml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

export function slingHtml(status: number, message: string, path: string, changes: readonly string[] = []): SimResponse {
  const title = status < 300 ? `Content modified ${path}` : `Error while processing ${path}`;
  const body = `<html>
<head><title>${escapeHtml(title)}</title></head>
<body>
<h1>${escapeHtml(title)}</h1>
<table>
<tbody>
<tr><td>Status</td><td><div id="Status">${status}</div></td></tr>
<tr><td>Message</td><td><div id="Message">${escapeHtml(message)}</div></td></tr>
<tr><td>Location</td><td><a href="${escapeHtml(path)}" id="Location">${escapeHtml(path)}</a></td></tr>
<tr><td>Parent Location</td><td><a href="${escapeHtml(path.replace(/\/[^/]*$/, ''))}" id="ParentLocation">${escapeHtml(path.replace(/\/[^/]*$/, ''))}</a></td></tr>
<tr><td>Path</td><td><div id="Path">${escapeHtml(path)}</div></td></tr>
<tr><td>Referer</td><td><a href="" id="Referer"></a></td></tr>
<tr><td>ChangeLog</td><td><div id="ChangeLog">&lt;pre&gt;${changes.map(escapeHtml).join('&lt;br/&gt;')}&lt;/pre&gt;</div></td></tr>
</tbody>
</table>
</body>
</html>
`;
  return { status, headers: { 'content-type': 'text/html; charset=utf-8' }, body };
}

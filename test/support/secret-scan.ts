/**
 * The parts of the secret scan (test/pipeline/secret-scan.test.ts): the forms a known secret can take
 * on its way into a log line, a scanner over text, a capture of everything this process writes
 * (stdout, stderr and the global console — Powertools writes through its own Console over
 * process.stdout/stderr), and a recording HTTP proxy that learns the credentials the simulators
 * hand out (IMS access tokens, Campaign session and security tokens, AEM CSRF tokens).
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { format } from 'node:util';

export interface KnownSecret {
  /** What it is, for the failure message (e.g. "AEM prod password"). */
  readonly name: string;
  readonly value: string;
}

export interface SecretForm {
  readonly secret: string;
  /** raw, base64 (offset 1), url-encoded... */
  readonly form: string;
  readonly text: string;
}

/** Forms shorter than this are not searched for: too likely to match by chance. */
const MIN_FORM_LENGTH = 12;

/**
 * The base64 text that any encoding of a string containing `value` contains, for each of the three
 * alignments the value can have inside it: the characters fully determined by the value's bytes
 * (the first group, shared with the bytes before it, and the last partial group are left out).
 */
function base64Cores(value: string, alphabet: 'base64' | 'base64url'): { offset: number; text: string }[] {
  const bytes = Buffer.from(value, 'utf8');
  const cores: { offset: number; text: string }[] = [];
  for (let offset = 0; offset < 3; offset += 1) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString(alphabet).replace(/=+$/, '');
    const start = offset === 0 ? 0 : 4;
    const complete = Math.floor((offset + bytes.length) / 3) * 4;
    cores.push({ offset, text: encoded.slice(start, complete) });
  }
  return cores;
}

const xmlEscape = (value: string): string =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

/** Every form of a secret searched for: as is, JSON-, XML-, URL- and form-encoded, base64 and base64url at every alignment. */
export function secretForms(secret: KnownSecret): SecretForm[] {
  const { name, value } = secret;
  const candidates: { form: string; text: string }[] = [
    { form: 'raw', text: value },
    { form: 'JSON string', text: JSON.stringify(value).slice(1, -1) },
    { form: 'XML-escaped', text: xmlEscape(value) },
    { form: 'URL-encoded', text: encodeURIComponent(value) },
    { form: 'form-encoded', text: new URLSearchParams({ v: value }).toString().slice(2) },
    ...base64Cores(value, 'base64').map((c) => ({ form: `base64 (offset ${c.offset})`, text: c.text })),
    ...base64Cores(value, 'base64url').map((c) => ({ form: `base64url (offset ${c.offset})`, text: c.text })),
  ];
  const seen = new Set<string>();
  return candidates.filter((c) => c.text.length >= MIN_FORM_LENGTH && !seen.has(c.text) && seen.add(c.text)).map((c) => ({ secret: name, ...c }));
}

/** The `Authorization: Basic` value of a user and password, as a secret of its own. */
export function basicAuthSecret(name: string, username: string, password: string): KnownSecret {
  return { name: `${name} (basic auth ${username}:…)`, value: Buffer.from(`${username}:${password}`, 'utf8').toString('base64') };
}

export interface Finding {
  readonly secret: string;
  readonly form: string;
  /** Where the line was written (e.g. "stdout of worker root", "CLI plan stderr"). */
  readonly where: string;
  /** The offending line, with the secret's text masked. */
  readonly line: string;
}

export interface WrittenText {
  readonly where: string;
  readonly text: string;
}

/** Every line of `written` that carries a form of a secret, with the secret masked in the report. */
export function scanForSecrets(written: readonly WrittenText[], secrets: readonly KnownSecret[]): Finding[] {
  const forms = secrets.flatMap(secretForms);
  const findings: Finding[] = [];
  for (const { where, text } of written) {
    for (const line of text.split(/\r?\n/)) {
      for (const form of forms) {
        if (line.includes(form.text)) {
          findings.push({ secret: form.secret, form: form.form, where, line: line.split(form.text).join('«SECRET»').slice(0, 400) });
        }
      }
    }
  }
  return findings;
}

export interface OutputCapture {
  /** Everything written since the capture started (or since the last `take`), and forget it. */
  take(): WrittenText[];
  stop(): void;
}

type Write = typeof process.stdout.write;
const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;

/**
 * Record everything this process writes to stdout and stderr and every call of the global console
 * (which the test runner may route elsewhere), until `stop()`; passed through only with `echo`.
 */
export function captureOutput(options: { echo?: boolean } = {}): OutputCapture {
  let written: WrittenText[] = [];
  const stdoutWrite = process.stdout.write;
  const stderrWrite = process.stderr.write;
  const wrap = (stream: NodeJS.WriteStream, original: Write, where: string): Write =>
    function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
      written.push({ where, text: typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8') });
      if (options.echo) return (original as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
      const done = rest.find((r): r is () => void => typeof r === 'function');
      done?.();
      return true;
    } as Write;
  process.stdout.write = wrap(process.stdout, stdoutWrite, 'stdout');
  process.stderr.write = wrap(process.stderr, stderrWrite, 'stderr');
  const consoleOriginals = CONSOLE_METHODS.map((method) => [method, console[method]] as const);
  for (const [method, original] of consoleOriginals) {
    console[method] = (...args: unknown[]) => {
      written.push({ where: `console.${method}`, text: format(...args) });
      if (options.echo) original.apply(console, args);
    };
  }
  return {
    take() {
      const taken = written;
      written = [];
      return taken;
    },
    stop() {
      process.stdout.write = stdoutWrite;
      process.stderr.write = stderrWrite;
      for (const [method, original] of consoleOriginals) console[method] = original;
    },
  };
}

/** What the proxies learnt from the answers they relayed. */
export interface IssuedCredentials {
  readonly imsAccessTokens: Set<string>;
  readonly campaignSessionTokens: Set<string>;
  readonly campaignSecurityTokens: Set<string>;
  readonly aemCsrfTokens: Set<string>;
}

export function issuedCredentials(): IssuedCredentials {
  return { imsAccessTokens: new Set(), campaignSessionTokens: new Set(), campaignSecurityTokens: new Set(), aemCsrfTokens: new Set() };
}

/** The credentials a simulator's answer hands out, as the clients would read them. */
function learn(path: string, body: string, into: IssuedCredentials): void {
  for (const match of body.matchAll(/"access_token"\s*:\s*"([^"]+)"/g)) if (match[1]) into.imsAccessTokens.add(match[1]);
  for (const match of body.matchAll(/<pstrSessionToken[^>]*>([^<]+)</g)) if (match[1]) into.campaignSessionTokens.add(match[1]);
  for (const match of body.matchAll(/<pstrSecurityToken[^>]*>([^<]+)</g)) if (match[1]) into.campaignSecurityTokens.add(match[1]);
  if (path.includes('/libs/granite/csrf/token.json')) {
    for (const match of body.matchAll(/"token"\s*:\s*"([^"]+)"/g)) if (match[1]) into.aemCsrfTokens.add(match[1]);
  }
}

export interface RecordingProxy {
  readonly url: string;
  /** Every exchange relayed: `POST /path → 401`. */
  readonly exchanges: string[];
  stop(): Promise<void>;
}

const readAll = (stream: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });

/** A loopback HTTP proxy in front of `upstreamUrl` that relays every exchange as is and learns the credentials answered. */
export async function startRecordingProxy(upstreamUrl: string, into: IssuedCredentials): Promise<RecordingProxy> {
  const upstream = new URL(upstreamUrl);
  const exchanges: string[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readAll(req);
      const answer = await new Promise<IncomingMessage>((resolve, reject) => {
        const forwarded = httpRequest(
          { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
          resolve,
        );
        forwarded.on('error', reject);
        forwarded.end(body);
      });
      const answered = await readAll(answer);
      learn(req.url ?? '', answered.toString('utf8'), into);
      exchanges.push(`${req.method ?? ''} ${req.url ?? ''} → ${answer.statusCode ?? 0}`);
      const headers = { ...answer.headers };
      delete headers['transfer-encoding'];
      res.writeHead(answer.statusCode ?? 502, { ...headers, 'content-length': String(answered.length) });
      res.end(answered);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    exchanges,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

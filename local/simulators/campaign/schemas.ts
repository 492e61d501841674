/**
 * The few compiled schemas the simulator serves through `xtk:persist#GetEntityIfMoreRecent`, only
 * so that Adobe's own SDK (`@adobe/acc-js-sdk`), which looks up method signatures in them before a
 * call, can run ExecuteQuery and Write against the simulator. Our client never asks for them.
 */
import { element, type Xml } from '../../../lib/targets/campaign/xml.js';

const param = (name: string, type: string, inout?: 'out'): Xml => element('param', { name, type, inout });

const method = (name: string, flags: { static?: boolean; const?: boolean }, params: Xml[]): Xml =>
  element('method', { name, static: flags.static ? 'true' : undefined, const: flags.const ? 'true' : undefined }, [element('parameters', {}, params)]);

const SCHEMAS: Readonly<Record<string, () => Xml>> = {
  'xtk:schema|xtk:queryDef': () =>
    element('schema', { namespace: 'xtk', name: 'queryDef', label: 'Query', xtkschema: 'xtk:schema' }, [
      element('element', { name: 'queryDef', label: 'Query' }),
      element('methods', {}, [method('ExecuteQuery', { const: true }, [param('output', 'DOMDocument', 'out')])]),
    ]),
  'xtk:schema|xtk:session': () =>
    element('schema', { namespace: 'xtk', name: 'session', label: 'Session', xtkschema: 'xtk:schema' }, [
      element('element', { name: 'session', label: 'Session' }),
      element('methods', {}, [
        method('Write', { static: true }, [param('doc', 'DOMDocument')]),
        method('WriteCollection', { static: true }, [param('doc', 'DOMDocument')]),
      ]),
    ]),
};

/** The schema document for a `GetEntityIfMoreRecent` primary key like `xtk:schema|xtk:queryDef`, if served. */
export const servedSchema = (pk: string): Xml | undefined => SCHEMAS[pk]?.();

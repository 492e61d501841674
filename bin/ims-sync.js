#!/usr/bin/env node
// The `ims-sync` command: runs the TypeScript CLI (lib/cli/main.ts) through tsx, with no build step.
import { register } from 'tsx/esm/api';

// The AWS SDK warns on every run under Node 20 that its 2027 releases will need Node 22; the
// package supports Node >= 20.19 (package.json engines), so an operator's stderr stays for errors.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

register();
const { main } = await import('../lib/cli/main.ts');
process.exitCode = await main();

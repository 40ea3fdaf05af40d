// Runs the graphql-http server audit suite against a live GraphQL-over-HTTP endpoint.
// Usage: node audit.mjs http://127.0.0.1:8311/graphql
// Prints one line per audit; exits 1 if any audit is not "ok" (warn/notice/error all fail).
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs <graphql-url>');
  process.exit(2);
}

const LABEL = { ok: 'OK', notice: 'NOTICE', warn: 'WARN', error: 'ERROR' };

let results;
try {
  results = await auditServer({ url });
} catch (err) {
  // auditServer only throws on fatal problems (e.g. the server is unreachable).
  console.error(`FATAL ${err?.stack || err}`);
  process.exit(2);
}

let failed = 0;
for (const result of results) {
  const label = LABEL[result.status] ?? result.status.toUpperCase();
  let line = `${label} ${result.id} ${result.name}`;
  if (result.status !== 'ok') {
    failed += 1;
    line += ` ${result.reason}`;
  }
  console.log(line);
}

console.log(`${results.length} audits, ${results.length - failed} ok, ${failed} not ok`);
process.exit(failed ? 1 : 0);

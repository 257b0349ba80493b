// record_har.mjs OUT.har - chromium talks to a local echo server while Playwright records the session
// as a HAR (tests/browser/har_session.mjs): the HAR kept in captures/har/. Needs chromium and
// playwright-core (make deps).
import { freePort, startEcho, recordSession } from '../../tests/browser/har_session.mjs';

const out = process.argv[2];
if (!out) { console.error('usage: node record_har.mjs OUT.har'); process.exit(2); }
const port = await freePort();
const server = await startEcho(port);
try {
  const got = await recordSession(out, port);
  console.error(`record_har: ${got.length - 1} messages echoed, closed with ${JSON.stringify(got[got.length - 1])}`);
} finally {
  server.stop();
}

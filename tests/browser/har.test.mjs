// har.test.mjs - differential test of HAR input: one session of chromium with a local echo server,
// recorded twice at once: by Playwright as a HAR (recordHar, messages embedded) and by
// `wsinspect -i lo` as packets. wsinspect must give the same handshake (key, Accept, verdict) and the
// same messages, in the same order, from the HAR as from the live capture; what only packets show
// (frames, the close codes) must be there in the capture and absent from the HAR. The same session
// recorded with content "attach" (messages in a .jsonl beside the HAR) must give the same messages.
// Needs root for the live capture (CI is root): skipped, and said, otherwise.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from './common.mjs';
import { CLOSE, MESSAGES, freePort, recordSession, startEcho } from './har_session.mjs';

const t = suite('browser/har');
const W = process.env.WSINSPECT || join(process.env.BUILD || 'build', 'wsinspect');
if (process.getuid && process.getuid() !== 0) {
  console.log('skip capturing on lo needs root (CAP_NET_RAW): run the suite as root, as CI does');
  console.log('browser/har: 0 passed, 0 failed, 1 skipped');
  process.exit(0);
}
if (!existsSync(W)) { t.ok(false, `${W} is built (make all)`); t.end(); }

const events = (text) => text.split('\n').filter((l) => l).map((l) => JSON.parse(l));
// The messages of the WebSocket connection: direction, opcode, text (or bytes in hex).
const messages = (ev, conn) => ev.filter((e) => e.type === 'message' && e.conn === conn && e.opcode <= 2)
  .map((e) => [e.dir, e.opcode, e.opcode === 1 ? e.text : e.preview_hex]);

const dir = mkdtempSync(join(tmpdir(), 'wsi-har-'));
const har = join(dir, 'session.har');
const port = await freePort();
const server = await startEcho(port);
console.log(`note the echo server: ${server.name}`);
let capture;
try {
  // the live capture first: wait until it listens
  capture = spawn(W, ['-i', 'lo', '--json', '--payload', '65536', 'tcp', 'port', String(port)],
                  { stdio: ['ignore', 'pipe', 'pipe'] });
  let live = '', err = '';
  capture.stdout.on('data', (d) => { live += d; });
  const listening = new Promise((ok, bad) => {
    const timer = setTimeout(() => bad(new Error('wsinspect -i lo did not start: ' + err)), 10000);
    capture.stderr.on('data', (d) => { err += d; if (err.includes('listening on lo')) { clearTimeout(timer); ok(); } });
    capture.on('exit', (c) => bad(new Error(`wsinspect -i lo exited (${c}): ${err}`)));
  });
  await listening;
  const got = await recordSession(har, port);
  const want = MESSAGES.map((m) => (typeof m === 'string' ? m : m.binary));
  t.ok(JSON.stringify(got) === JSON.stringify([...want, [CLOSE.code, CLOSE.reason]]),
       'the page got every echo and the close it asked for');
  await new Promise((ok) => setTimeout(ok, 500));
  const ended = new Promise((ok) => capture.on('exit', (code) => ok(code)));
  capture.kill('SIGINT');
  t.ok(await ended === 0, 'the live capture ended cleanly (exit 0, no packet lost)');

  const fromHar = events(execFileSync(W, ['--json', '--payload', '65536', har], { encoding: 'utf8' }));
  const fromLive = events(live);
  const hsHar = fromHar.filter((e) => e.type === 'handshake');
  const hsLive = fromLive.filter((e) => e.type === 'handshake');
  t.ok(hsHar.length === 1 && hsLive.length === 1, 'one WebSocket handshake in each');
  const [a, b] = [hsHar[0] || {}, hsLive[0] || {}];
  t.ok(a.verdict === 'valid' && b.verdict === 'valid', `both verdicts valid (HAR ${a.verdict}, capture ${b.verdict})`);
  t.ok(a.key && a.key === b.key && a.accept === b.accept && a.expected_accept === b.expected_accept,
       'the same Sec-WebSocket-Key, Accept and expected Accept');
  t.ok(a.extensions_selected === b.extensions_selected && b.deflate === true,
       `the same extensions selected (permessage-deflate: ${b.extensions_selected})`);
  const mHar = messages(fromHar, a.conn), mLive = messages(fromLive, b.conn);
  t.ok(mHar.length === 2 * MESSAGES.length, `the HAR has ${mHar.length} messages, ${2 * MESSAGES.length} sent`);
  const same = JSON.stringify(mHar) === JSON.stringify(mLive);
  t.ok(same, 'the same messages, in order, from the HAR as from the capture (the capture inflated)' + (same ? '' :
       `\n       HAR:     ${JSON.stringify(mHar).slice(0, 400)}\n       capture: ${JSON.stringify(mLive).slice(0, 400)}`));
  const cHar = fromHar.find((e) => e.type === 'close' && e.conn === a.conn) || {};
  const cLive = fromLive.find((e) => e.type === 'close' && e.conn === b.conn) || {};
  t.ok(cLive.client_close === CLOSE.code && cLive.server_close === CLOSE.code && cLive.client_frames > 0,
       `the capture has the frames and both close frames (${cLive.client_close}/${cLive.server_close})`);
  t.ok(cHar.source === 'har' && cHar.client_close === null && cHar.client_frames === 0 && cHar.recorded_close === null,
       'the HAR has neither frames nor the close, and says it comes from a HAR');
  t.ok(fromLive.filter((e) => e.type === 'message' && e.conn === b.conn && e.compressed).length === mLive.length,
       'on the wire every data message was compressed; the HAR holds them inflated');

  // Playwright's other way: content "attach" writes the messages to a .jsonl file beside the HAR
  mkdirSync(join(dir, 'attach'));
  const attached = join(dir, 'attach', 'session.har');
  await recordSession(attached, port, 'attach');
  const fromAttach = events(execFileSync(W, ['--json', '--payload', '65536', attached], { encoding: 'utf8' }));
  const conn = fromAttach.find((e) => e.type === 'connection') || {};
  t.ok(typeof conn.messages_from === 'string' && conn.messages_from.endsWith('.jsonl'),
       `content "attach": the messages come from the attached file (${conn.messages_from})`);
  const mAttach = messages(fromAttach, conn.conn);
  t.ok(JSON.stringify(mAttach) === JSON.stringify(mHar), 'content "attach": the same messages as embedded');
  t.ok(fromAttach.filter((e) => e.type === 'message').every((e) => e.t >= 0 && e.t < 30),
       'content "attach": times in milliseconds read as seconds')
} finally {
  if (capture && capture.exitCode === null) capture.kill('SIGINT');
  server.stop();
  rmSync(dir, { recursive: true, force: true });
}
t.end();

// wsecho.test.mjs - a real browser against wsecho, watched by wsinspect.
//
// Chromium opens wsecho's page with ?auto=hello (it connects to /echo and sends "hello"), then
// through the page's own controls sends Korean text, markup as text, a binary message, and
// closes with a chosen code and reason. Meanwhile wsinspect -i lo captures the port (as root;
// not root: the capture checks are skipped, said and counted). On the capture, wsinspect --json
// must find a valid handshake, every message with its text in both directions, and the close
// code. Then the same over --tls, the capture decrypted with the key log wsecho wrote.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, suite } from './common.mjs';

const t = suite('browser/wsecho');
const BUILD = process.env.BUILD || 'build';
const WSECHO = `${BUILD}/wsecho`, WSINSPECT = process.env.WSINSPECT || `${BUILD}/wsinspect`;
const root = process.getuid && process.getuid() === 0;
const T = mkdtempSync(join(tmpdir(), 'wsi-wsecho-'));
const procs = [];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}
// A child process whose stderr is kept; waitFor(re) resolves once stderr matches.
function start(cmd, args) {
  const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  p.out = ''; p.err = '';
  p.stdout.on('data', (d) => { p.out += d; });
  p.stderr.on('data', (d) => { p.err += d; });
  p.done = new Promise((r) => p.on('exit', (code, sig) => r({ code, sig })));
  p.waitFor = async (re, ms = 10000) => {
    for (let i = 0; i < ms / 50; i++) { if (re.test(p.err)) return true; await sleep(50); }
    return false;
  };
  procs.push(p);
  return p;
}
async function stop(p) { p.kill('SIGINT'); return p.done; }

// The JSON events of a capture, read again by wsinspect.
function inspect(pcap, extra = []) {
  const r = spawnSync(WSINSPECT, ['--json', '--payload', '200', ...extra, pcap], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

// The page's log lines: [dir, kind, text].
async function pageLog(page) {
  return page.$$eval('#log li', (lis) => lis.map((li) => [li.dataset.dir, li.dataset.kind,
    li.querySelector('.body').textContent]));
}
async function waitLog(page, pred, what, ms = 8000) {
  for (let i = 0; i < ms / 50; i++) {
    if ((await pageLog(page)).some(pred)) return t.ok(true, what);
    await sleep(50);
  }
  return t.ok(false, `${what} (page log: ${JSON.stringify(await pageLog(page))})`);
}

const KOREAN = '안녕하세요, 한국어 메시지';
const MARKUP = '<img src=x onerror="document.title=1">';
const CODE = 4321, REASON = 'bye from the page';

async function run(context, label, tls) {
  const port = await freePort();
  const keylog = join(T, `${label}.keys`), pcap = join(T, `${label}.pcap`);
  const args = ['--port', String(port), '--news', '0'];
  if (tls) args.push('--tls', '--keylog', keylog);
  const server = start(WSECHO, args);
  if (!t.ok(await server.waitFor(/serving/), `${label}: wsecho starts (${server.err.split('\n')[0]})`)) return;
  let cap = null;
  if (root) {
    cap = start(WSINSPECT, ['-i', 'lo', '--json', '-w', pcap, 'tcp', 'port', String(port)]);
    if (!t.ok(await cap.waitFor(/listening on lo/), `${label}: the capture starts (${cap.err.trim()})`)) cap = null;
  }
  const scheme = tls ? 'https' : 'http';
  const page = await context.newPage();
  const violations = [];
  page.on('console', (m) => { if (/Content Security Policy|Refused/.test(m.text())) violations.push(m.text()); });
  const resp = await page.goto(`${scheme}://127.0.0.1:${port}/?auto=hello`);
  t.ok(resp.status() === 200, `${label}: the page is served (${resp.status()})`);
  const csp = resp.headers()['content-security-policy'] || '';
  t.ok(/default-src 'none'/.test(csp) && /script-src 'sha256-/.test(csp), `${label}: a strict Content-Security-Policy`);

  await waitLog(page, ([d, k, x]) => d === 'in' && k === 'text' && x === 'hello', `${label}: ?auto=hello echoed`);
  const cmd = await page.textContent('#cmd-live');
  t.ok(cmd === `sudo wsinspect -i lo${tls ? ' --keylog FILE' : ''} tcp port ${port}`, `${label}: the page shows the wsinspect command (${cmd})`);

  await page.fill('#text', KOREAN);
  await page.click('#send');
  await waitLog(page, ([d, k, x]) => d === 'in' && x === KOREAN, `${label}: Korean text echoed`);
  await page.fill('#text', MARKUP);
  await page.click('#send');
  await waitLog(page, ([d, , x]) => d === 'in' && x === MARKUP, `${label}: markup echoed`);
  t.ok(await page.$$eval('#log img', (x) => x.length) === 0, `${label}: markup received is shown as text, not made into elements`);
  await page.fill('#hex', '00 01 fe ff de ad be ef');
  await page.click('#sendbin');
  await waitLog(page, ([d, k, x]) => d === 'in' && k === 'binary' && x === '8 bytes: 00 01 fe ff de ad be ef', `${label}: binary echoed`);
  await page.fill('#code', String(CODE));
  await page.fill('#reason', REASON);
  await page.click('#close');
  await waitLog(page, ([d, k, x]) => d === 'event' && k === 'close' && x.startsWith(`code ${CODE}, reason "${REASON}", clean`),
    `${label}: the page shows the close ${CODE} "${REASON}", clean`);
  t.ok(violations.length === 0, `${label}: no Content-Security-Policy violation (${violations.join(' | ')})`);
  await page.close();

  if (cap) {
    await sleep(700);
    await stop(cap);
    const keyargs = tls ? ['--keylog', keylog] : [];
    const ev = inspect(pcap, keyargs);
    const hs = ev.filter((e) => e.type === 'handshake' && e.path === '/echo');
    t.ok(hs.length === 1 && hs[0].verdict === 'valid' && hs[0].accept === hs[0].expected_accept,
      `${label}: the capture has the browser's handshake, Accept valid`);
    t.ok(hs.length === 1 && /permessage-deflate/.test(hs[0].extensions_selected || ''),
      `${label}: permessage-deflate negotiated (${hs.length && hs[0].extensions_selected})`);
    const conn = hs.length ? hs[0].conn : -1;
    const msgs = ev.filter((e) => e.type === 'message' && e.conn === conn);
    const texts = (dir) => msgs.filter((m) => m.dir === dir && m.opcode_name === 'text').map((m) => m.text);
    for (const dir of ['c2s', 's2c']) {
      t.ok(JSON.stringify(texts(dir)) === JSON.stringify(['hello', KOREAN, MARKUP]),
        `${label}: ${dir} text messages in order, as typed (${JSON.stringify(texts(dir))})`);
      const bin = msgs.filter((m) => m.dir === dir && m.opcode_name === 'binary').map((m) => m.preview_hex);
      t.ok(JSON.stringify(bin) === '["0001feffdeadbeef"]', `${label}: ${dir} binary message (${bin})`);
    }
    const closes = msgs.filter((m) => m.opcode_name === 'close').map((m) => [m.dir, m.close_code, m.close_reason]);
    t.ok(JSON.stringify(closes) === JSON.stringify([['c2s', CODE, REASON], ['s2c', CODE, REASON]]),
      `${label}: the browser's close ${CODE} and the server's answer (${JSON.stringify(closes)})`);
    if (tls) {
      t.ok(existsSync(keylog) && /^CLIENT_TRAFFIC_SECRET_0 /m.test(readFileSync(keylog, 'utf8')), `${label}: wsecho wrote the key log`);
      const plain = inspect(pcap);
      t.ok(!plain.some((e) => e.type === 'message'), `${label}: without the key log, no message can be read`);
    }
  } else {
    t.skip(`${label}: live capture checks`, 'not root: capturing needs CAP_NET_RAW');
  }
  const r = await stop(server);
  t.ok(r.code === 0, `${label}: wsecho stops on SIGINT with status 0 (${r.code} ${r.sig})`);
}

let browser;
try {
  browser = await launch({ ignoreHTTPSErrors: true });
  await run(browser.context, 'ws', false);
  await run(browser.context, 'wss', true);

  // Stopping the server while the page is connected: the page sees 1001 from SIGINT.
  const port = await freePort();
  const server = start(WSECHO, ['--port', String(port), '--news', '0']);
  await server.waitFor(/serving/);
  const page = await browser.context.newPage();
  await page.goto(`http://127.0.0.1:${port}/?auto=still+here`);
  await waitLog(page, ([d, , x]) => d === 'in' && x === 'still here', 'shutdown: connected');
  await stop(server);
  await waitLog(page, ([d, k, x]) => d === 'event' && k === 'close' && x.startsWith('code 1001, reason "server shutting down", clean'),
    'Ctrl-C on wsecho: the page sees a clean 1001 "server shutting down"');
  // Killed (no close frame): the browser reports 1006.
  const port2 = await freePort();
  const s2 = start(WSECHO, ['--port', String(port2), '--news', '0']);
  await s2.waitFor(/serving/);
  await page.goto(`http://127.0.0.1:${port2}/?auto=x`);
  await waitLog(page, ([d, , x]) => d === 'in' && x === 'x', 'kill: connected');
  s2.kill('SIGKILL');
  await waitLog(page, ([d, k, x]) => d === 'event' && k === 'close' && x.startsWith('code 1006, no reason, not clean'),
    'kill -9 on wsecho: the page sees 1006, not clean (no close frame)');
} finally {
  if (browser) await browser.close();
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  rmSync(T, { recursive: true, force: true });
}
t.end();

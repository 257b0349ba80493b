// har_session.mjs - one scripted WebSocket session in chromium against a local echo server, recorded
// by Playwright as a HAR (recordHar, messages embedded). Shared by har.test.mjs (the differential test)
// and captures/make-har.sh (the HAR kept in captures/har/).
//
// The server is the project's wsecho (libwebsockets, permessage-deflate on) when it is built
// ($WSECHO, else $BUILD/wsecho or build/wsecho), else captures/peers/py_peer.py's "deflate" echo
// (Python websockets); either is started on a free port of 127.0.0.1 and stopped by its process id.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from './common.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PY = process.env.WSI_PEER_PYTHON || '/usr/bin/python3'; // Debian's python has python3-websockets

// What the page sends, in order; each is echoed before the next goes. Binary as byte arrays.
export const MESSAGES = [
  'hello',
  '안녕하세요, WebSocket',
  '<b>markup</b> & "quotes"',
  { binary: [0, 1, 2, 0x7f, 0x80, 0xff] },
  'x'.repeat(300),
];
export const CLOSE = { code: 1000, reason: 'done' };

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

export function wsecho() {
  const w = process.env.WSECHO || join(process.env.BUILD || join(ROOT, 'build'), 'wsecho');
  return existsSync(w) ? w : null;
}

// The echo server on 127.0.0.1:port; resolves once it listens ({name, stop}). stop() ends it by its pid.
export function startEcho(port) {
  return new Promise((resolve, reject) => {
    const w = wsecho();
    const name = w ? 'wsecho' : 'py_peer.py deflate';
    const p = w ? spawn(w, ['--port', String(port), '--news', '0'], { stdio: ['ignore', 'pipe', 'pipe'] })
                : spawn(PY, [join(ROOT, 'captures/peers/py_peer.py'), 'server', 'deflate', '127.0.0.1', String(port)],
                        { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const timer = setTimeout(() => { p.kill(); reject(new Error(`${name} did not start: ` + err)); }, 10000);
    const seen = (d) => {
      err += d;
      if (err.includes('listening') || err.includes('serving')) {
        clearTimeout(timer);
        resolve({ name, stop: () => p.kill('SIGTERM') });
      }
    };
    p.stderr.on('data', seen);
    if (p.stdout) p.stdout.on('data', seen);
    p.on('exit', (code) => { clearTimeout(timer); reject(new Error(`echo server exited (${code}): ${err}`)); });
  });
}

// The HAR is whole: it parses (Playwright may still be writing it as the browser's close returns).
async function written(path) {
  for (let i = 0; i < 50; i++) {
    try { JSON.parse(readFileSync(path, 'utf8')); return; } catch { await new Promise((ok) => setTimeout(ok, 100)); }
  }
  throw new Error(`${path}: not a whole JSON document 5 s after the browser closed`);
}

// Open the page, talk to ws://127.0.0.1:port/echo, close; the HAR is written to harPath when the
// browser closes, the messages in it ('embed') or in a .jsonl file beside it ('attach'). Returns
// what the page received (texts, and binary as byte arrays).
export async function recordSession(harPath, port, content = 'embed') {
  const { context, close } = await launch({ recordHar: { path: harPath, content } });
  let got;
  try {
    const page = await context.newPage();
    // a page of the server's own origin: chromium's local network access checks block a public page
    // (about:blank) from loopback (wsecho serves its page; Python websockets answers a plain GET
    // with a 426, which is page enough)
    await page.goto(`http://127.0.0.1:${port}/`);
    got = await page.evaluate(async ({ url, messages, bye }) => {
      const ws = new WebSocket(url);
      ws.binaryType = 'arraybuffer';
      const queue = [];
      let wake = null;
      ws.onmessage = (e) => { queue.push(e.data); if (wake) wake(); };
      await new Promise((ok, bad) => { ws.onopen = ok; ws.onerror = () => bad(new Error('no connection')); });
      const out = [];
      for (const m of messages) {
        ws.send(typeof m === 'string' ? m : new Uint8Array(m.binary));
        while (!queue.length) await new Promise((ok) => { wake = ok; });
        const d = queue.shift();
        out.push(typeof d === 'string' ? d : Array.from(new Uint8Array(d)));
      }
      const closed = new Promise((ok) => { ws.onclose = (e) => ok([e.code, e.reason]); });
      ws.close(bye.code, bye.reason);
      out.push(await closed);
      return out;
    }, { url: `ws://127.0.0.1:${port}/echo`, messages: MESSAGES, bye: CLOSE });
    await page.close();
  } finally {
    await close();
  }
  await written(harPath);
  return got;
}

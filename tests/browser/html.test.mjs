// html.test.mjs - wsinspect --html's pages in a real browser (Debian's chromium, headless):
// every bundled capture opens with no page error and no request leaving the file; the arrows are
// the messages (and frames) of --json; clicking an arrow and each kind of deep link shows the
// right bits, key, XOR and text, checked against values computed here from --json; keyboard
// stepping; a capture with markup and script in every wire string runs none of it; a 20 MiB
// capture opens in a few seconds.
//
//   WSINSPECT=build/wsinspect BUILD=build node tests/browser/html.test.mjs
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, basename } from 'node:path';
import { launch, suite } from './common.mjs';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const BUILD = resolve(ROOT, process.env.BUILD || 'build');
const W = resolve(ROOT, process.env.WSINSPECT || join(BUILD, 'wsinspect'));
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const t = suite('browser/html');
const tmp = mkdtempSync(join(tmpdir(), 'wsi-html-'));

// wsinspect's output (exit status 0 or 1: 1 only says a handshake failed or a rule was broken;
// 2 with output: a file cut short, shown as far as it goes)
function ws(args) {
  const r = spawnSync(W, args, { maxBuffer: 1 << 30 });
  if (r.status !== 0 && r.status !== 1 && !(r.status === 2 && r.stdout.length)) throw new Error(`wsinspect ${args.join(' ')}: status ${r.status}: ${r.stderr}`);
  return r.stdout;
}
const jsonOf = (args) => ws(['--json', '--payload', '1024', ...args]).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
function pageOf(name, args) {
  const out = join(tmp, name.replace(/[^A-Za-z0-9_.-]/g, '_') + '.html');
  writeFileSync(out, ws(['--html', ...args]));
  return out;
}

// Every capture under captures/, with its key log when it has one.
function captures() {
  const list = [];
  const walk = (d) => {
    for (const f of readdirSync(d).sort()) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) { if (f !== 'peers') walk(p); continue; }
      if (/\.(pcap(ng)?|har)$/.test(f)) {
        const kl = p.replace(/\.pcap(ng)?$/, '.keylog');
        if (kl === p) { list.push({ name: p.slice(ROOT.length + 1), args: [p] }); continue; }
        list.push({ name: p.slice(ROOT.length + 1), args: existsSync(kl) ? ['--keylog', kl, p] : [p] });
      }
    }
  };
  walk(join(ROOT, 'captures'));
  return list;
}

const { context, close } = await launch();
// Nothing but the page's own file may be asked for: anything else is recorded and refused.
const leaks = [];
await context.route('**/*', (route) => {
  const u = route.request().url();
  if (u.startsWith('file://' + tmp + '/')) return route.continue();
  leaks.push(u);
  return route.abort();
});
context.on('request', (r) => { if (!r.url().startsWith('file://' + tmp + '/')) leaks.push(r.url()); });

async function open(file, hash) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  // a dialog is a script from the wire running (hostile.har and edge-markup.pcap call alert())
  page.on('dialog', (d) => { errors.push('a dialog opened: ' + d.message()); d.dismiss().catch(() => {}); });
  await page.goto('file://' + file + (hash ? '#' + hash : ''));
  await page.waitForSelector('body[data-ready]', { timeout: 20000 });
  return { page, errors };
}

// What the page draws for connection c in the current mode: the arrows' kinds and labels.
async function arrowsOf(page, c) {
  await page.evaluate((id) => { location.hash = 'conn=' + id; }, c);
  await page.waitForFunction((id) => (document.getElementById('conn-title').textContent || '').startsWith('Connection ' + id + ':'), c);
  return page.$$eval('#ladder .row.arrow.ws', (rows) => rows.map((r) => r.querySelector('.label').textContent));
}

try {
  // ---- every capture: opens clean; the arrows are --json's messages, then its frames -----
  for (const cap of captures()) {
    const events = jsonOf(cap.args);
    const file = pageOf(cap.name, cap.args);
    const before = leaks.length;
    const { page, errors } = await open(file);
    const conns = [...new Set(events.filter((e) => e.type === 'connection').map((e) => e.conn))];
    let same = true;
    let why = '';
    for (const c of conns) {
      const msgs = events.filter((e) => e.type === 'message' && e.conn === c);
      const arrows = await arrowsOf(page, c);
      if (arrows.length !== msgs.length) { same = false; why = `connection ${c}: ${arrows.length} arrows, ${msgs.length} messages`; break; }
      // each arrow starts with its message's kind
      const kinds = { 1: 'text', 2: 'binary', 8: 'close', 9: 'ping', 10: 'pong' };
      for (let i = 0; i < msgs.length; i++) {
        const k = kinds[msgs[i].opcode] || msgs[i].opcode_name;
        if (!arrows[i].startsWith(k)) { same = false; why = `connection ${c} arrow ${i + 1}: "${arrows[i]}" is not a ${k}`; break; }
      }
      const frames = events.filter((e) => e.type === 'frame' && e.conn === c);
      if (frames.length) {
        await page.keyboard.press('f');
        const fa = await page.$$eval('#ladder .row.arrow.ws', (rows) => rows.map((r) => r.querySelector('.label').textContent));
        await page.keyboard.press('f');
        if (fa.length !== frames.length || !fa.every((l, i) => l.startsWith('#' + (i + 1) + ' '))) {
          same = false; why = `connection ${c}: ${fa.length} frame arrows, ${frames.length} frames`;
        }
      }
      if (!same) break;
    }
    t.ok(errors.length === 0, `${cap.name}: opens with no page error ${errors.length ? JSON.stringify(errors.slice(0, 3)) : ''}`);
    t.ok(leaks.length === before, `${cap.name}: no request leaves the file ${JSON.stringify(leaks.slice(before))}`);
    t.ok(same, `${cap.name}: the arrows are --json's messages and frames${why ? ': ' + why : ''}`);
    const rows = await page.$$eval('#conn-table tbody tr.conn-row', (r) => r.length);
    t.ok(rows === conns.length, `${cap.name}: ${conns.length} connections listed (${rows})`);
    t.ok((await page.$$eval('img, svg, iframe, object, embed', (x) => x.length)) === 0, `${cap.name}: no element made from wire data`);
    await page.close();
  }

  // ---- deep links: a frame, its bits, key, XOR and text ------------------------------------
  {
    const capture = join(ROOT, 'captures/chat-python.pcap');
    const ev = jsonOf([capture]);
    const file = pageOf('chat', [capture]);
    const frames = ev.filter((e) => e.type === 'frame' && e.conn === 1);
    for (const n of [1, 2, 4]) {
      const f = frames[n - 1];
      const { page, errors } = await open(file, `conn=1&frame=${n}`);
      await page.waitForSelector('#header-hex');
      const title = await page.textContent('#detail-title');
      t.ok(title === `Frame ${n} of connection 1`, `#conn=1&frame=${n}: the frame's anatomy (${title})`);
      // the header, rebuilt here from the fields of --json
      const len = f.payload_length;
      const h = [(f.fin ? 0x80 : 0) | (f.rsv << 4) | f.opcode, (f.mask ? 0x80 : 0) | len];
      if (f.mask) h.push(...Buffer.from(f.masking_key, 'hex'));
      const hex = h.map((b) => b.toString(16).padStart(2, '0')).join(' ');
      t.ok((await page.textContent('#header-hex')) === hex, `frame ${n}: header bytes ${hex}`);
      const bitsShown = (await page.$$eval('#bit-figure tr.bitval td', (tds) => tds.map((d) => d.textContent))).join('');
      const bitsWant = h.slice(0, 2).map((b) => b.toString(2).padStart(8, '0')).join('');
      t.ok(bitsShown === bitsWant, `frame ${n}: the 16 bits of RFC 6455 §5.2's figure (${bitsShown})`);
      const payload = Buffer.from(f.preview_hex, 'hex');
      if (f.mask) {
        const key = Buffer.from(f.masking_key, 'hex');
        const wire = Buffer.from(payload.map((b, i) => b ^ key[i % 4]));
        const row = (cls) => page.$$eval(`#xor tr.${cls} td`, (tds) => tds.map((d) => d.textContent).join(' '));
        const m = Math.min(16, payload.length);
        const hx = (b) => Array.from(b.subarray(0, m), (x) => x.toString(16).padStart(2, '0')).join(' ');
        t.ok((await row('wire')) === hx(wire), `frame ${n}: the masked bytes on the wire`);
        t.ok((await row('key')) === hx(Buffer.from(Array.from({ length: m }, (_, i) => key[i % 4]))), `frame ${n}: the key under them`);
        t.ok((await row('plain')) === hx(payload), `frame ${n}: their XOR, the payload`);
        const check = await page.textContent('#xor-check');
        t.ok(check.includes(`0x${wire[0].toString(16).padStart(2, '0')} ^ 0x${key[0].toString(16).padStart(2, '0')}`), `frame ${n}: the check by hand (${check})`);
      } else {
        t.ok(!(await page.$('#xor')), `frame ${n}: a server frame has no XOR table`);
      }
      const text = await page.textContent('#detail .payload-text');
      t.ok(text === payload.toString('utf8'), `frame ${n}: the text "${text}"`);
      t.ok(await page.$eval('#ladder .row.selected .label', (l, k) => l.textContent.startsWith(`#${k} `), n), `frame ${n}: its arrow is selected`);
      t.ok(errors.length === 0, `frame ${n}: no page error`);
      await page.close();
    }
    // a message, whole
    const msgs = ev.filter((e) => e.type === 'message' && e.conn === 1);
    {
      const { page } = await open(file, 'conn=1&msg=3');
      await page.waitForSelector('#detail .whole-text');
      t.ok((await page.textContent('#detail .whole-text')) === msgs[2].text, `#conn=1&msg=3: the message's text "${msgs[2].text}"`);
      t.ok((await page.textContent('#detail-title')).startsWith('Message 3 of connection 1'), '#conn=1&msg=3: its title');
      // a click on another arrow shows it, and the address links to it
      const rows = await page.$$('#ladder .row.arrow.ws');
      await rows[0].click();
      t.ok((await page.textContent('#detail .whole-text')) === msgs[0].text, 'a click on the first arrow shows its text');
      t.ok((await page.evaluate(() => location.hash)) === '#conn=1&msg=1', 'the address is the deep link to it');
      // its frame, linked from the message
      await page.click('#detail a.xref');
      await page.waitForSelector('#header-hex');
      t.ok((await page.evaluate(() => location.hash)) === '#conn=1&frame=1', 'the message links to its frame');
      await page.close();
    }
    // the handshake: both heads, the Accept step by step, computed here with node's crypto
    {
      const hs = ev.find((e) => e.type === 'handshake');
      const { page } = await open(file, 'conn=1&handshake');
      await page.waitForSelector('#accept-steps');
      const sha1 = createHash('sha1').update(hs.key + GUID).digest();
      const txt = (sel) => page.textContent(sel);
      t.ok((await txt('.step-key')) === hs.key, `#conn=1&handshake: the key ${hs.key}`);
      t.ok((await txt('.step-guid')) === GUID, 'the GUID');
      t.ok((await txt('.step-concat')) === hs.key + GUID, 'key and GUID joined');
      t.ok((await txt('.step-sha1')) === sha1.toString('hex'), `their SHA-1 ${sha1.toString('hex')}`);
      t.ok((await txt('.step-expected')) === sha1.toString('base64'), `in base64 ${sha1.toString('base64')}`);
      t.ok((await txt('.step-accept')) === hs.accept, 'the Accept received');
      t.ok((await txt('#verdict')).startsWith('✓ valid'), 'the verdict');
      t.ok((await txt('.req-head')).startsWith('GET /chat HTTP/1.1') && (await txt('.req-head')).includes('Sec-WebSocket-Key: ' + hs.key), 'the request head');
      t.ok((await txt('.resp-head')).startsWith('HTTP/1.1 101 Switching Protocols') && (await txt('.resp-head')).includes(hs.accept), 'the response head');
      await page.close();
    }
    // keyboard stepping, in presentation mode: arrows appear one at a time
    {
      const { page } = await open(file);
      const visibleRows = () => page.$$eval('#ladder .row:not(.heads)', (rs) => rs.filter((r) => !r.classList.contains('hidden')).length);
      const total = await page.$$eval('#ladder .row:not(.heads)', (rs) => rs.length);
      await page.keyboard.press('p');
      t.ok((await visibleRows()) === 0, 'presentation mode: the ladder starts empty');
      for (let i = 1; i <= 3; i++) await page.keyboard.press('ArrowRight');
      t.ok((await visibleRows()) === 3, 'three steps: three lines shown');
      t.ok(await page.$eval('#ladder .row.selected', (r) => r.dataset.i === '2'), 'the third line is selected');
      await page.keyboard.press('ArrowLeft');
      t.ok(await page.$eval('#ladder .row.selected', (r) => r.dataset.i === '1'), 'back one: the second line is selected');
      t.ok((await visibleRows()) === 3, 'going back hides nothing');
      await page.keyboard.press('End');
      t.ok((await visibleRows()) === total, `End: all ${total} lines shown`);
      await page.keyboard.press('p');
      await page.keyboard.press('Home');
      await page.keyboard.press('j');
      await page.keyboard.press('j');
      t.ok(await page.$eval('#ladder .row.selected', (r) => r.dataset.i === '2'), 'outside presentation: j steps down');
      await page.keyboard.press('h');
      t.ok((await page.evaluate(() => location.hash)) === '#conn=1&handshake', 'h: the handshake');
      await page.close();
    }
  }

  // ---- the three length forms, and a length not in its minimal form -----------------------------
  {
    const cases = [['captures/binary-sizes-python.pcap', 126, '16-bit form'], ['captures/binary-sizes-python.pcap', 127, '64-bit form'],
      ['captures/violations/violation-non-minimal-length.pcap', 126, 'not the minimal form']];
    for (const [name, len7, says] of cases) {
      const capture = join(ROOT, name);
      const frames = jsonOf([capture]).filter((e) => e.type === 'frame' && e.conn === 1);
      const k = frames.findIndex((f) => f.len7 === len7 && (says !== '16-bit form' || f.payload_length > 1000));
      const f = frames[k];
      const file = pageOf(basename(name) + '-len', [capture]);
      const { page } = await open(file, `conn=1&frame=${k + 1}`);
      await page.waitForSelector('#header-hex');
      const ext = len7 === 126 ? 2 : 8;
      let v = BigInt(f.payload_length);
      const lenBytes = [];
      for (let i = 0; i < ext; i++) { lenBytes.unshift(Number(v & 255n)); v >>= 8n; }
      const h = [(f.fin ? 0x80 : 0) | (f.rsv << 4) | f.opcode, (f.mask ? 0x80 : 0) | len7, ...lenBytes];
      if (f.mask) h.push(...Buffer.from(f.masking_key, 'hex'));
      const hex = h.map((b) => b.toString(16).padStart(2, '0')).join(' ');
      t.ok((await page.textContent('#header-hex')) === hex, `${basename(name)} frame ${k + 1}: ${f.payload_length} bytes, header ${hex}`);
      t.ok((await page.textContent('#fields')).includes(says), `${basename(name)} frame ${k + 1}: the fields say "${says}"`);
      await page.close();
    }
  }

  // ---- deflate: the inflated text beside the compressed bytes --------------------------------
  {
    const capture = join(ROOT, 'captures/deflate-python.pcap');
    const ev = jsonOf([capture]);
    const file = pageOf('deflate', [capture]);
    const m = ev.find((e) => e.type === 'message' && e.compressed && e.opcode === 1);
    const { page } = await open(file, `conn=${m.conn}&msg=${ev.filter((e) => e.type === 'message' && e.conn === m.conn).indexOf(m) + 1}`);
    await page.waitForSelector('#detail .whole-text');
    t.ok((await page.textContent('#detail .whole-text')) === m.text, 'deflate: the message inflated');
    await page.click('#detail a.xref');
    await page.waitForSelector('#header-hex');
    t.ok((await page.textContent('#fields')).includes('the message is compressed'), 'deflate: its frame says RSV1 is compression');
    t.ok((await page.textContent('#detail .inflated')) === m.text, 'deflate: the frame shows the inflated text');
    await page.close();
  }

  // ---- hostile wire text: shown as text, never run -------------------------------------------
  {
    const made = spawnSync(join(BUILD, 'tools/gen_hostile'), [tmp, 'edge-markup.pcap']);
    t.ok(made.status === 0, 'gen_hostile writes edge-markup.pcap');
    const capture = join(tmp, 'edge-markup.pcap');
    const file = pageOf('markup', [capture]);
    const { page, errors } = await open(file, 'conn=1&handshake');
    const texts = jsonOf([capture]).filter((e) => e.type === 'message' && e.opcode === 1).map((e) => e.text);
    // visit every line and both heads: every detail view is drawn
    const n = await page.$$eval('#ladder .row', (r) => r.length);
    for (let i = 0; i < n; i++) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('f');
    for (let i = 0; i < n; i++) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('h');
    t.ok((await page.evaluate(() => window.__wsi_pwned)) === undefined, 'markup capture: no injected script ran (window.__wsi_pwned unset)');
    t.ok((await page.$$eval('img, svg, iframe, b, object, embed', (x) => x.length)) === 0, 'markup capture: no element made from wire data');
    t.ok((await page.$$('script')).length === 3, 'markup capture: the page has its own three script elements only');
    const body = await page.textContent('body');
    t.ok(body.includes('GET /chat?q=</script><script>window.__wsi_pwned=1</script> HTTP/1.1'), 'the request target shown as text');
    t.ok(body.includes('101 <script>window.__wsi_pwned=4</script>'), 'the reason phrase shown as text');
    t.ok(body.includes('X-Note: <!--<script>window.__wsi_pwned=5</script>-->'), 'a header with a comment shown as text');
    await page.keyboard.press('f');
    const labels = (await arrowsOf(page, 1)).join('\n');
    t.ok(labels.includes('text "</script><script>window.__wsi_pwned=6</script>"'), 'a message closing the script element, as text');
    t.ok(labels.includes('<b onmouseover=window.__wsi_pwned=10>by'), 'a close reason with markup, as text');
    await page.evaluate(() => { location.hash = 'conn=1&msg=3'; });
    await page.waitForFunction(() => document.querySelector('#detail .whole-text'));
    t.ok((await page.textContent('#detail .whole-text')) === texts[2].replace('\u2028', '\\u2028').replace('\u2029', '\\u2029'),
      'U+2028 and U+2029 survive the data block and are shown visibly');
    t.ok(errors.length === 0, `markup capture: no page error ${JSON.stringify(errors)}`);
    await page.close();
  }

  // ---- a HAR: what it cannot show, said above the ladder; the browser's notes on it --------------
  {
    const capture = join(ROOT, 'captures/har/hostile.har');
    const notes = jsonOf([capture]).filter((e) => e.type === 'note');
    const file = pageOf('hostile-har', [capture]);
    const { page, errors } = await open(file, `conn=${notes[0].conn}`);
    await page.waitForSelector('#conn-notes .note');
    t.ok((await page.textContent('#conn-notes')).includes('a HAR holds the messages'), 'HAR: what it cannot show, above the ladder');
    const rows = await page.$$eval('#ladder .row.note-row', (r) => r.map((x) => x.textContent).join('\n'));
    const want = notes.filter((n) => n.conn === notes[0].conn).length;
    t.ok((rows.match(/the browser recorded/g) || []).length === want, `HAR: the browser's ${want} notes on the ladder`);
    t.ok(errors.length === 0, 'HAR: no page error');
    await page.close();
  }

  // ---- several captures in one page: each connection with its file, the commands naming both -----
  {
    const a = join(ROOT, 'captures/chat-python.pcap'), b = join(ROOT, 'captures/poll-curl.pcap');
    const file = pageOf('two', [a, b]);
    const { page, errors } = await open(file, 'conn=2');
    await page.waitForFunction(() => (document.getElementById('conn-title').textContent || '').startsWith('Connection 2:'));
    const rows = await page.$$eval('#conn-table tbody tr.conn-row', (r) => r.map((x) => x.textContent));
    t.ok(rows.length === 2 && rows[0].includes('chat-python.pcap') && rows[1].includes('poll-curl.pcap'), 'two captures: two connections, each with its file');
    const meta = await page.evaluate(() => JSON.parse(document.getElementById('wsi-meta').textContent));
    t.ok(meta.inputs.length === 2 && meta.inputs[1] === b, 'two captures: the page knows both files');
    t.ok(errors.length === 0, `two captures: no page error ${JSON.stringify(errors)}`);
    await page.close();
  }

  // ---- long paths: each connection's file still named (the path is cut at its start) -----------
  {
    const deep = join(tmp, 'a-folder-with-a-rather-long-name', 'and-another-one-below-it');
    mkdirSync(deep, { recursive: true });
    const a = join(deep, 'chat-python.pcap'), b = join(deep, 'poll-curl.pcap');
    copyFileSync(join(ROOT, 'captures/chat-python.pcap'), a);
    copyFileSync(join(ROOT, 'captures/poll-curl.pcap'), b);
    const { page, errors } = await open(pageOf('two-deep', [a, b]), 'conn=2');
    await page.waitForFunction(() => (document.getElementById('conn-title').textContent || '').startsWith('Connection 2:'));
    const rows = await page.$$eval('#conn-table tbody tr.conn-row', (r) => r.map((x) => x.textContent));
    t.ok(rows.length === 2 && rows[0].includes('chat-python.pcap') && rows[1].includes('poll-curl.pcap') &&
         rows.every((r) => r.includes('…')), `long paths: the files' names shown, the paths cut before them ${JSON.stringify(rows)}`);
    t.ok(errors.length === 0, `long paths: no page error ${JSON.stringify(errors)}`);
    await page.close();
  }

  // ---- a 20 MiB capture opens in a few seconds; the caps are said ---------------------------
  {
    const big = join(tmp, 'bench-20.pcap');
    const made = spawnSync(join(BUILD, 'tools/gen_bench'), ['--short', big, '20']);
    t.ok(made.status === 0 && statSync(big).size >= 19 << 20, `gen_bench writes a 20 MiB capture (${made.status})`);
    const t0 = Date.now();
    const file = pageOf('bench-20', [big]);
    const made_ms = Date.now() - t0;
    const t1 = Date.now();
    const { page, errors } = await open(file);
    const open_ms = Date.now() - t1;
    t.ok(open_ms < 8000, `20 MiB capture: the page opens in ${open_ms} ms (wsinspect --html took ${made_ms} ms, page ${statSync(file).size >> 10} KiB)`);
    t.ok(errors.length === 0, `20 MiB capture: no page error ${JSON.stringify(errors.slice(0, 3))}`);
    const meta = await page.evaluate(() => JSON.parse(document.getElementById('wsi-meta').textContent));
    if (meta.arrows_omitted > 0 || meta.connections > meta.connections_shown) {
      const note = await page.textContent('#cap-note');
      t.ok(note.includes('Not everything is drawn') && note.includes('wsinspect --'), `20 MiB capture: the note says what is left out and the command (${meta.arrows_omitted} arrows)`);
    } else {
      t.ok(!(await page.$('#cap-note')), '20 MiB capture: all drawn, no note');
    }
    const rows = await page.$$eval('#conn-table tbody tr.conn-row', (r) => r.length);
    t.ok(rows === meta.connections_shown, `20 MiB capture: ${rows} connections listed`);
    await page.close();
  }
} catch (e) {
  t.ok(false, 'the suite ran to its end: ' + (e && e.stack ? e.stack : e));
} finally {
  await close();
  rmSync(tmp, { recursive: true, force: true });
}
t.ok(leaks.length === 0, `no request left any page: ${JSON.stringify(leaks.slice(0, 5))}`);
t.end();

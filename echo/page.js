'use strict';
// wsecho's page: a WebSocket client. Every text shown is set with textContent, never as markup:
// what the server or another chat member sends is data, whatever it contains.
(function () {
  const $ = (id) => document.getElementById(id);
  const secure = location.protocol === 'https:';
  const port = location.port || (secure ? '443' : '80');
  let ws = null;

  function wsUrl() { return (secure ? 'wss://' : 'ws://') + location.host + $('endpoint').value; }

  function clock() {
    const d = new Date();
    const p = (n, w) => String(n).padStart(w, '0');
    return p(d.getHours(), 2) + ':' + p(d.getMinutes(), 2) + ':' + p(d.getSeconds(), 2) + '.' + p(d.getMilliseconds(), 3);
  }

  function hex(bytes, max) {
    const parts = [];
    for (let i = 0; i < bytes.length && i < max; i++) parts.push(bytes[i].toString(16).padStart(2, '0'));
    return parts.join(' ') + (bytes.length > max ? ' \u2026' : '');
  }

  // One line of the log: dir is "out", "in" or "event"; kind says what it is.
  function log(dir, kind, text) {
    const li = document.createElement('li');
    li.dataset.dir = dir;
    li.dataset.kind = kind;
    const t = document.createElement('span');
    t.className = 'time';
    t.textContent = clock();
    const k = document.createElement('span');
    k.className = 'kind';
    k.textContent = (dir === 'out' ? '\u2192 ' : dir === 'in' ? '\u2190 ' : '\u2022 ') + kind;
    const b = document.createElement('span');
    b.className = 'body';
    b.textContent = text;
    li.append(t, k, b);
    $('log').append(li);
    li.scrollIntoView({ block: 'nearest' });
  }

  function setState(open) {
    $('status').dataset.state = open ? 'open' : 'closed';
    $('status').textContent = open ? 'connected to ' + wsUrl() : 'not connected';
    $('connect').disabled = open;
    $('endpoint').disabled = open;
    for (const id of ['send', 'sendbin', 'close']) $(id).disabled = !open;
  }

  function showError(msg) { $('error').textContent = msg; }

  function connect(then) {
    showError('');
    const url = wsUrl();
    let sock;
    try { sock = new WebSocket(url); } catch (e) { showError(String(e.message || e)); return; }
    ws = sock;
    sock.binaryType = 'arraybuffer';
    log('event', 'connecting', url);
    sock.onopen = () => {
      log('event', 'open', 'handshake done (101 Switching Protocols)' +
        (sock.extensions ? ', extensions: ' + sock.extensions : ''));
      setState(true);
      if (then) then();
    };
    sock.onmessage = (ev) => {
      if (typeof ev.data === 'string') {
        log('in', 'text', ev.data);
      } else {
        const bytes = new Uint8Array(ev.data);
        log('in', 'binary', bytes.length + ' bytes: ' + hex(bytes, 64));
      }
    };
    sock.onerror = () => log('event', 'error', 'the browser reports an error (its console may say more)');
    sock.onclose = (ev) => {
      log('event', 'close', 'code ' + ev.code + (ev.reason ? ', reason "' + ev.reason + '"' : ', no reason') +
        (ev.wasClean ? ', clean' : ', not clean (no close frame: the connection just ended)'));
      if (ws === sock) ws = null;
      setState(false);
    };
  }

  function sendText(text) {
    if (!ws) return;
    ws.send(text);
    log('out', 'text', text);
  }

  function parseHex(s) {
    const clean = s.replace(/0x/gi, '').replace(/[\s,:]/g, '');
    if (clean.length % 2 || /[^0-9a-f]/i.test(clean)) return null;
    const out = new Uint8Array(clean.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.substr(i * 2, 2), 16);
    return out;
  }

  $('connect').addEventListener('click', () => connect(null));
  $('send').addEventListener('click', () => sendText($('text').value));
  $('text').addEventListener('keydown', (e) => { if (e.key === 'Enter' && ws) sendText($('text').value); });
  $('sendbin').addEventListener('click', () => {
    const bytes = parseHex($('hex').value);
    if (!bytes) { showError('binary: write bytes in hex, like "de ad be ef"'); return; }
    showError('');
    ws.send(bytes);
    log('out', 'binary', bytes.length + ' bytes: ' + hex(bytes, 64));
  });
  $('close').addEventListener('click', () => {
    const code = Number($('code').value), reason = $('reason').value;
    try {
      ws.close(code, reason);
      showError('');
      log('out', 'close', 'code ' + code + (reason ? ', reason "' + reason + '"' : ''));
    } catch (e) {
      // the browser refuses codes other than 1000 and 3000-4999, and reasons over 123 bytes
      showError('close: ' + (e.message || e));
    }
  });
  $('endpoint').addEventListener('change', () => {
    $('url').textContent = wsUrl();
    $('devtools-name').textContent = $('endpoint').value.slice(1);
  });

  // What to type to watch this very connection.
  const local = /^(127\.|localhost$|\[::1\]$)/.test(location.hostname);
  const iface = local ? 'lo' : 'IFACE';
  $('cmd-live').textContent = 'sudo wsinspect -i ' + iface + (secure ? ' --keylog FILE' : '') + ' tcp port ' + port +
    (local ? '' : '\n# IFACE: the network card this page came through (ip addr lists them)');
  $('tls-note').hidden = !secure;
  $('url').textContent = wsUrl();
  setState(false);

  // ?auto=TEXT: connect to /echo and send TEXT (a teacher's demo link)
  const auto = new URLSearchParams(location.search).get('auto');
  if (auto !== null) {
    $('endpoint').value = '/echo';
    $('url').textContent = wsUrl();
    $('text').value = auto;
    connect(() => sendText(auto));
  }
})();

// page.js - wsinspect --html: draws the page from the JSON Lines objects embedded in it (the
// objects of wsinspect --json, with the fields --html adds). Every string from the capture
// reaches the page through textContent (text nodes), never parsed as markup.
'use strict';
(function () {
  const doc = document;
  const $ = (id) => doc.getElementById(id);

  // ---- the data ---------------------------------------------------------------------------
  const meta = JSON.parse($('wsi-meta').textContent || '{}');
  const events = [];
  for (const line of ($('wsi-events').textContent || '').split('\n')) {
    if (line) events.push(JSON.parse(line));
  }
  const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

  // Connections in the order they started, each with its events in capture order.
  const conns = new Map();
  function connOf(id) {
    let c = conns.get(id);
    if (!c) {
      c = { id, start: null, close: null, hs: null, http: [], items: [], frames: [], msgs: [],
            tls: [], pend: { c2s: { data: [], ctl: null }, s2c: { data: [], ctl: null } } };
      conns.set(id, c);
    }
    return c;
  }
  let stats = null;
  for (const e of events) {
    if (e.type === 'stats') { stats = e; continue; }
    const c = connOf(e.conn);
    switch (e.type) {
      case 'connection': c.start = e; break;
      case 'close': c.close = e; c.items.push(e); break;
      case 'handshake': c.hs = e; c.items.push(e); break;
      case 'http': c.http.push(e); c.items.push(e); break;
      case 'frame': {
        e.n = c.frames.length + 1; // numbered as --explain numbers them: capture order, both directions
        c.frames.push(e);
        const p = c.pend[e.dir] || c.pend.c2s;
        if (e.opcode >= 8) p.ctl = e; else p.data.push(e);
        c.items.push(e);
        break;
      }
      case 'message': {
        e.n = c.msgs.length + 1;
        c.msgs.push(e);
        const p = c.pend[e.dir] || c.pend.c2s;
        if (e.opcode >= 8) { e.frameList = p.ctl ? [p.ctl] : []; p.ctl = null; }
        else { e.frameList = p.data; p.data = []; }
        for (const f of e.frameList) f.msg = e;
        c.items.push(e);
        break;
      }
      case 'tls': c.tls.push(e); c.items.push(e); break;
      default: c.items.push(e);
    }
  }
  const connList = [...conns.values()];

  // ---- helpers ----------------------------------------------------------------------------
  // An element with properties (className, title...) and children (strings become text nodes).
  function el(tag, props, ...kids) {
    const n = doc.createElement(tag);
    if (props) for (const k of Object.keys(props)) {
      if (k === 'dataset') Object.assign(n.dataset, props[k]);
      else n[k] = props[k];
    }
    for (const k of kids) if (k !== null && k !== undefined && k !== false) n.append(k instanceof Node ? k : String(k));
    return n;
  }
  const clear = (n) => { while (n.firstChild) n.removeChild(n.firstChild); };
  const hexBytes = (h) => {
    const b = new Uint8Array((h || '').length >> 1);
    for (let i = 0; i < b.length; i++) b[i] = parseInt(h.substr(2 * i, 2), 16);
    return b;
  };
  const hx = (b) => b.toString(16).padStart(2, '0');
  const hexSpaced = (bytes) => Array.from(bytes, hx).join(' ');
  const bits = (b, n) => b.toString(2).padStart(n, '0');
  const utf8 = new TextDecoder('utf-8');
  // Text to show: control characters, and the ones that reorder or hide text, made visible.
  function visible(s) {
    return String(s).replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g,
      (ch) => {
        const c = ch.charCodeAt(0);
        return c < 0x100 ? '\\x' + hx(c) : '\\u' + c.toString(16).padStart(4, '0');
      });
  }
  // An HTTP head as text: its lines, without the blank line that ends it.
  const headText = (h) => visible(h.replace(/\r\n/g, '\n').replace(/\n+$/, ''));
  const short = (s, n) => { s = visible(s); return s.length > n ? s.slice(0, n - 1) + '…' : s; };
  // A file's path cut at its start: the file's own name, at the end, is what tells files apart.
  const shortPath = (s, n) => { s = visible(s); return s.length > n ? '…' + s.slice(s.length - (n - 1)) : s; };
  function size(n) {
    if (n < 1024) return n + ' B';
    if (n < 1048576) return (n / 1024).toFixed(1) + ' KiB';
    return (n / 1048576).toFixed(1) + ' MiB';
  }
  const secs = (t) => (typeof t === 'number' ? t.toFixed(6) : '');
  const ms = (t) => (t < 1 ? (t * 1000).toFixed(3) + ' ms' : t.toFixed(3) + ' s');
  const plural = (n, w) => n + ' ' + w + (n === 1 ? '' : 's');
  const who = (dir) => (dir === 's2c' ? 'server → client' : 'client → server');
  const b64 = (bytes) => btoa(String.fromCharCode(...bytes));
  const quoteWord = (w) => (/^[A-Za-z0-9_\-+=./:,@%]+$/.test(w) ? w : "'" + w.replace(/'/g, "'\\''") + "'");
  // The capture's files as the commands the page gives name them.
  const files = () => (meta.inputs && meta.inputs.length ? meta.inputs : [meta.input || 'FILE']);
  const cmd = (...args) => 'wsinspect ' + args.map(quoteWord).join(' ');

  // ---- labels -----------------------------------------------------------------------------
  function msgLabel(m) {
    let s;
    switch (m.opcode) {
      case 1: s = 'text "' + short(m.text || '', 48) + '"' + (m.preview_truncated ? ' (' + size(m.inflated_length || m.length) + ')' : ''); break;
      case 2: s = 'binary ' + size(m.compressed ? (m.inflated_length || m.length) : m.length); break;
      case 8: s = 'close' + (m.close_code === null ? ' (no code)' : ' ' + m.close_code + (m.close_name ? ' (' + m.close_name + ')' : ''))
        + (m.close_reason ? ' "' + short(m.close_reason, 40) + '"' : ''); break;
      case 9: s = 'ping' + (m.length ? ' ' + size(m.length) : ''); break;
      case 10: s = 'pong' + (typeof m.rtt === 'number' ? ' (round trip ' + ms(m.rtt) + ')' : ''); break;
      default: s = m.opcode_name + ' ' + size(m.length);
    }
    if (m.compressed) s += ' (deflate ' + m.length + ' B → ' + (m.inflated_length !== undefined ? m.inflated_length + ' B' : '?') + ')';
    if (m.frames > 1) s += ' (' + m.frames + ' frames)';
    if (m.incomplete) s += ' (bytes missing)';
    return s;
  }
  function frameLabel(f) {
    let s = '#' + f.n + ' ' + (f.fin ? 'FIN ' : '') + f.opcode_name + ' ' + f.payload_length + ' B';
    if (f.rsv & 4) s += ' RSV1';
    if (f.rsv & 3) s += ' RSV' + (f.rsv & 2 ? '2' : '') + (f.rsv & 1 ? '3' : '');
    if (f.mask) s += ' mask ' + f.masking_key;
    if ((f.opcode === 1 || (f.opcode === 0 && f.msg && f.msg.opcode === 1)) && !(f.rsv & 4) && f.preview_hex)
      s += ' "' + short(utf8.decode(hexBytes(f.preview_hex)), 32) + '"';
    return s;
  }
  function httpLabel(h) {
    if (h.request) return h.method + ' ' + short(h.target || '', 60) + (h.upgrade ? ' (Upgrade: websocket)' : '');
    let s = h.status + ' ' + short(h.reason || '', 40);
    if (typeof h.waited === 'number' && h.status !== 101) s += ' after ' + ms(h.waited);
    if (h.chunked) s += ', chunked';
    else if (typeof h.body_length === 'number' && h.body_length) s += ' + ' + size(h.body_length) + ' body';
    if (h.content_type && /event-stream/i.test(h.content_type)) s += ' (Server-Sent Events)';
    return s;
  }

  // ---- the connection list ----------------------------------------------------------------
  function connWhat(c) {
    const cl = c.close;
    if (cl) {
      if (cl.websocket) return 'WebSocket';
      if (cl.tls) return cl.tls_decrypted ? 'TLS (decrypted)' : 'TLS (encrypted)';
      return ({ http: 'HTTP', tls: 'TLS', other: 'other TCP' }[cl.carries]) || cl.carries || '';
    }
    return c.hs ? 'WebSocket' : '';
  }
  function connPath(c) {
    if (c.hs && c.hs.path) return c.hs.path;
    const r = c.http.find((h) => h.request);
    return r ? r.method + ' ' + r.target : '';
  }
  function buildConnList() {
    const tb = $('conn-table').tBodies[0];
    clear(tb);
    for (const c of connList) {
      const cl = c.close || {};
      const ep = visible((cl.client || (c.start && c.start.client) || '?') + ' → ' + (cl.server || (c.start && c.start.server) || '?'));
      const verdict = cl.verdict || (c.hs && c.hs.verdict) || '';
      const tr = el('tr', { className: 'conn-row' + (verdict && verdict !== 'valid' && verdict !== 'not-seen' ? ' failed' : ''),
                            dataset: { conn: String(c.id) }, tabIndex: 0 },
        el('td', null, '#' + c.id),
        el('td', null, ep, el('div', { className: 'sub' }, short(connPath(c), 60) + (c.start && c.start.file ? ' · ' + shortPath(c.start.file, 40) : ''))),
        el('td', null, connWhat(c)),
        el('td', { className: 'verdict-' + verdict }, verdict === 'valid' ? '✓ valid' : verdict),
        el('td', null, cl.websocket ? 'c→s ' + cl.client_messages + ' / s→c ' + cl.server_messages
          : c.http.length ? plural(c.http.filter((h) => h.request).length, 'HTTP request')
          : cl.client_tcp_bytes !== undefined ? size(cl.client_tcp_bytes) + ' / ' + size(cl.server_tcp_bytes) : ''),
        el('td', null, cl.websocket ? (cl.client_close ?? '–') + ' / ' + (cl.server_close ?? '–') : ''),
        el('td', { className: cl.violations ? 'bad' : '' }, cl.violations !== undefined ? String(cl.violations) : ''),
        el('td', null, cl.duration !== undefined ? cl.duration.toFixed(2) + ' s' : ''));
      tr.addEventListener('click', () => go({ conn: c.id }));
      tr.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') go({ conn: c.id }); });
      tb.append(tr);
    }
    if (!connList.length) tb.append(el('tr', null, el('td', { colSpan: 8 }, 'No TCP connection in the capture.')));
  }

  // ---- notes: what the caps left out ------------------------------------------------------
  function buildNotes() {
    const box = $('notes');
    clear(box);
    if (meta.arrows_omitted > 0 || meta.connections > meta.connections_shown) {
      const caps = meta.caps || {};
      const n = el('div', { className: 'note cap', id: 'cap-note' },
        el('strong', null, 'Not everything is drawn. '),
        'This page draws at most ' + caps.conn_arrows + ' arrows per connection, ' + caps.arrows + ' in all, '
          + (caps.data_bytes >> 20) + ' MiB of data and ' + caps.connections + ' connections. ');
      if (meta.arrows_omitted > 0) n.append(plural(meta.arrows_omitted, 'arrow') + ' left out, on '
        + plural(meta.connections_cut, 'connection') + '. ');
      if (meta.connections > meta.connections_shown) {
        n.append((meta.connections - meta.connections_shown) + ' of ' + meta.connections + ' connections not drawn; they are listed by ',
          el('code', null, cmd('--summary', ...files())), '. ');
      }
      const ul = el('ul');
      for (const o of meta.omitted || []) {
        ul.append(el('li', null, 'Connection ' + o.conn + ': ' + plural(o.arrows, 'arrow') + ' from packet ' + o.from_packet
          + ' on. All of it: ', el('code', null, cmd('--stream', String(o.conn), ...files())), ' or ',
          el('code', null, cmd('--json', '--stream', String(o.conn), ...files()))));
      }
      if ((meta.omitted || []).length < meta.connections_cut) ul.append(el('li', null, 'and '
        + (meta.connections_cut - meta.omitted.length) + ' more connections.'));
      if (meta.connections_cut) n.append(el('details', null, el('summary', null, 'The connections cut short, and the commands that show them'), ul));
      box.append(n);
    }
    if (stats && stats.final && (stats.dropped || stats.if_dropped)) {
      box.append(el('div', { className: 'note bad' }, 'The capture lost packets: ' + stats.dropped + ' dropped by the kernel, '
        + stats.if_dropped + ' by the interface; gaps may be capture losses.'));
    }
  }

  // ---- the ladder -------------------------------------------------------------------------
  const state = { conn: null, rows: [], sel: -1, frames: !!meta.frames, present: false, shown: 0 };

  function arrowRow(kind, e, label, cls) {
    const dir = e.dir === 's2c' ? 's2c' : 'c2s';
    const row = el('div', { className: 'row arrow ' + dir + (cls ? ' ' + cls : ''), tabIndex: -1 },
      el('span', { className: 'time' }, secs(e.t)),
      el('span', { className: 'lane' },
        el('span', { className: 'line' }),
        el('span', { className: 'label' }, label)));
    row.title = who(e.dir) + ', packet ' + e.packet;
    return { row, kind, e };
  }
  function barRow(text, cls, e) {
    const row = el('div', { className: 'row bar ' + (cls || '') },
      el('span', { className: 'time' }, e ? secs(e.t) : ''),
      el('span', { className: 'lane' }, el('span', { className: 'bartext' }, text)));
    return { row, kind: 'bar', e };
  }
  function noteRow(text, cls, e, kind) {
    const row = el('div', { className: 'row note-row ' + (cls || ''), tabIndex: -1 },
      el('span', { className: 'time' }, e ? secs(e.t) : ''),
      el('span', { className: 'lane' }, el('span', { className: 'notetext' }, text)));
    return { row, kind: kind || 'note', e };
  }

  function ladderRows(c) {
    const rows = [];
    const perFrame = state.frames && c.frames.length > 0; // a HAR has messages only: they stay
    for (const e of c.items) {
      switch (e.type) {
        case 'http': rows.push(arrowRow('http', e, httpLabel(e), 'http' + (e.upgrade ? ' upgrade' : ''))); break;
        case 'handshake': {
          const ok = e.verdict === 'valid';
          rows.push(noteRow((ok ? 'Sec-WebSocket-Accept ✓ valid' : 'Handshake: ' + e.verdict + (e.why ? ' — ' + e.why : '')
            + (e.rule ? ' (' + e.rule + ')' : '')) + '  · details', ok || e.verdict === 'not-seen' ? 'hs' : 'hs violation', e, 'handshake'));
          if (ok || (e.verdict === 'not-seen' && e.status === 101) || (e.verdict === 'not-seen' && c.close && c.close.websocket))
            rows.push(barRow('WebSocket OPEN', 'open', e));
          break;
        }
        case 'frame': if (perFrame) rows.push(arrowRow('frame', e, frameLabel(e), 'ws op' + e.opcode)); break;
        case 'message': if (!perFrame) rows.push(arrowRow('msg', e, msgLabel(e), 'ws op' + e.opcode + (e.incomplete ? ' incomplete' : ''))); break;
        case 'violation': rows.push(noteRow('⚠ ' + e.text + (e.detail ? ': ' + visible(e.detail) : '') + ' — ' + e.rfc,
          'violation', e, 'violation')); break;
        case 'gap': rows.push(noteRow('gap: ' + plural(e.length, 'byte') + ' missing from the capture (' + who(e.dir) + ')', 'gap', e)); break;
        case 'tcp': rows.push(noteRow('TCP: ' + e.anomaly + (e.detail ? ': ' + visible(e.detail) : ''), 'tcp', e)); break;
        case 'lost': rows.push(noteRow('not decoded further (' + who(e.dir) + '): ' + visible(e.why || ''), 'violation', e)); break;
        case 'chunk': rows.push(arrowRow('chunk', e, 'chunk ' + e.index + ', ' + size(e.size)
          + (e.text !== undefined ? ' "' + short(e.text, 40) + '"' : e.coding ? ' (' + e.coding + ')' : ''), 'chunk')); break;
        case 'sse': rows.push(arrowRow('sse', e, 'event ' + short(e.event || 'message', 20) + ' "' + short(e.data || '', 40) + '"'
          + (e.id ? ' id ' + short(e.id, 16) : ''), 'sse')); break;
        case 'tls':
          if (e.what === 'records') rows.push(arrowRow('tls', e, 'TLS ' + e.record_type + (e.encrypted ? ' (encrypted)' : '')
            + (e.handshake ? ' ' + visible(e.handshake) : '') + ', ' + plural(e.records, 'record') + ', ' + e.bytes + ' B', 'tlsrec'));
          else if (e.what === 'info') rows.push(noteRow('TLS: ' + [e.version, e.cipher].filter(Boolean).join(' ') + (e.sni ? ', SNI ' + short(e.sni, 40) : '')
            + (e.decrypting ? ', decrypted with the key log' : ', encrypted: not read (details)'), 'tls', e, 'tls'));
          else rows.push(noteRow('TLS ' + (e.what === 'alert' ? 'alert ' + visible(e.alert) : visible(e.error || '')), e.what === 'error' ? 'violation' : 'tls', e, 'tls'));
          break;
        case 'note': rows.push(noteRow('the browser recorded ' + (e.what === 'close' ? 'how it closed' : e.what === 'failure' ? 'a failure' : 'an error')
          + (e.text ? ': ' + short(e.text, 200) : ''), e.what === 'close' ? '' : 'violation', e)); break;
        case 'end': rows.push(noteRow((e.dir === 's2c' ? 'server' : 'client') + ': ' + ({ fin: 'FIN (no more data)', rst: 'TCP RESET',
          capture: 'the capture ends' }[e.reason] || e.reason), 'end', e)); break;
        case 'close': {
          const cl = e;
          rows.push(barRow(cl.still_open ? 'capture ended, connection still open' : cl.websocket
            ? (cl.abnormal ? 'CLOSED without a close frame (1006)' : 'CLOSED') : 'CONNECTION CLOSED', 'closed', e));
          break;
        }
        default: break;
      }
    }
    const om = (meta.omitted || []).find((o) => o.conn === c.id);
    if (om) rows.push(noteRow(plural(om.arrows, 'arrow') + ' from packet ' + om.from_packet + ' on are not drawn on this page: '
      + cmd('--stream', String(c.id), ...files()) + ' shows them', 'cap', null));
    return rows;
  }

  function showConn(c) {
    state.conn = c;
    const cl = c.close || {};
    $('conn-title').textContent = 'Connection ' + c.id + ': ' + visible((cl.client || (c.start && c.start.client) || '?') + ' → '
      + (cl.server || (c.start && c.start.server) || '?'));
    const sub = [];
    if (connPath(c)) sub.push(short(connPath(c), 80));
    if (cl.evidence) sub.push(visible(cl.evidence));
    if (cl.first_packet) sub.push('packets ' + cl.first_packet + '–' + cl.last_packet);
    if (cl.duration !== undefined) sub.push(cl.duration.toFixed(3) + ' s');
    $('conn-sub').textContent = sub.join(' · ');
    const cn = $('conn-notes');
    clear(cn);
    if (c.start && c.start.not_shown) // read from a HAR: what it cannot show, said once
      cn.append(el('p', { className: 'note' }, 'From a HAR file' + (c.start.producer ? ' (' + short(c.start.producer, 60) + ')' : '') + ': '
        + visible(c.start.not_shown)));
    for (const tr of $('conn-table').tBodies[0].rows) {
      const cur = tr.dataset.conn === String(c.id);
      tr.classList.toggle('current', cur);
      if (cur) { // the list scrolls to it (the page does not move)
        const box = $('conns'), br = box.getBoundingClientRect(), tr_ = tr.getBoundingClientRect();
        if (tr_.top < br.top || tr_.bottom > br.bottom) box.scrollTop += tr_.top - br.top - box.clientHeight / 2;
      }
    }
    const lad = $('ladder');
    clear(lad);
    lad.append(el('div', { className: 'row heads' }, el('span', { className: 'time' }, 'time (s)'),
      el('span', { className: 'lane' }, el('span', { className: 'head-c' }, 'Client'), el('span', { className: 'head-s' }, 'Server'))));
    state.rows = ladderRows(c);
    state.rows.forEach((r, i) => {
      r.row.dataset.i = String(i);
      if (r.kind !== 'bar' && r.kind !== 'note') r.row.classList.add('clickable');
      r.row.addEventListener('click', () => select(i, true));
      lad.append(r.row);
    });
    state.sel = -1;
    state.shown = state.present ? 0 : state.rows.length;
    applyPresent();
  }

  function applyPresent() {
    state.rows.forEach((r, i) => r.row.classList.toggle('hidden', state.present && i >= state.shown));
    $('btn-present').classList.toggle('on', state.present);
    $('btn-frames').classList.toggle('on', state.frames);
    doc.body.classList.toggle('presenting', state.present);
  }

  // ---- selection and deep links -------------------------------------------------------------
  function linkFor(r) {
    const c = state.conn.id;
    if (!r) return 'conn=' + c;
    if (r.kind === 'frame') return 'conn=' + c + '&frame=' + r.e.n;
    if (r.kind === 'msg') return 'conn=' + c + '&msg=' + r.e.n;
    if (r.kind === 'handshake') return 'conn=' + c + '&handshake';
    const i = state.rows.indexOf(r);
    return 'conn=' + c + '&row=' + i;
  }

  function select(i, fromClick) {
    if (i < 0 || i >= state.rows.length) return;
    if (state.sel >= 0 && state.rows[state.sel]) state.rows[state.sel].row.classList.remove('selected');
    state.sel = i;
    const r = state.rows[i];
    r.row.classList.add('selected');
    if (state.present && state.shown <= i) { state.shown = i + 1; applyPresent(); }
    r.row.scrollIntoView({ block: 'nearest' });
    showDetail(r);
    const want = '#' + linkFor(r);
    if (fromClick !== 'hash' && location.hash !== want) history.replaceState(null, '', want);
  }

  function findRow(pred) { return state.rows.findIndex(pred); }

  function go(target) {
    const c = conns.get(target.conn) || connList[0];
    if (!c) return;
    const wasFrames = state.frames;
    if (target.frame !== undefined && !state.frames) state.frames = true;
    if (target.msg !== undefined && state.frames) state.frames = false;
    if (state.conn !== c || target.rebuild || wasFrames !== state.frames) showConn(c);
    let i = -1;
    if (target.frame !== undefined) i = findRow((r) => r.kind === 'frame' && r.e.n === target.frame);
    else if (target.msg !== undefined) i = findRow((r) => r.kind === 'msg' && r.e.n === target.msg);
    else if (target.handshake) i = findRow((r) => r.kind === 'handshake');
    else if (target.row !== undefined) i = target.row;
    if (i >= 0) select(i, target.from || true);
    else {
      if (target.frame !== undefined || target.msg !== undefined || target.handshake) {
        const what = target.frame !== undefined ? 'frame ' + target.frame : target.msg !== undefined ? 'message ' + target.msg : 'handshake';
        showMissing('Connection ' + c.id + ' has no ' + what + ' on this page.');
      } else if (target.from !== 'hash') {
        history.replaceState(null, '', '#conn=' + c.id);
      }
    }
  }

  function parseHash() {
    const t = {};
    for (const part of location.hash.replace(/^#/, '').split('&')) {
      const [k, v] = part.split('=');
      if (k === 'conn') t.conn = Number(v);
      else if (k === 'frame') t.frame = Number(v);
      else if (k === 'msg') t.msg = Number(v);
      else if (k === 'row') t.row = Number(v);
      else if (k === 'handshake') t.handshake = true;
    }
    return t;
  }
  function fromHash() {
    const t = parseHash();
    t.from = 'hash';
    if (t.conn === undefined) t.conn = connList.length ? (connList.find((c) => c.hs || c.frames.length) || connList[0]).id : 0;
    go(t);
  }

  // ---- the detail pane ----------------------------------------------------------------------
  const detail = $('detail');
  function section(title, ...kids) { return el('section', { className: 'part' }, el('h3', null, title), ...kids); }
  function kv(rows) {
    const t = el('table', { className: 'kv' });
    for (const [k, v, cls] of rows) if (v !== undefined && v !== null && v !== '') t.append(el('tr', cls ? { className: cls } : null, el('th', null, k), el('td', null, v)));
    return t;
  }
  function showMissing(text) { clear(detail); detail.append(el('p', { className: 'note bad' }, text)); }
  function pre(text, cls) { return el('pre', { className: cls || 'text' }, text); }
  function hexDump(bytes, max) {
    const lines = [];
    const n = Math.min(bytes.length, max || 4096);
    for (let o = 0; o < n; o += 16) {
      const row = bytes.subarray(o, Math.min(o + 16, n));
      lines.push(o.toString(16).padStart(4, '0') + '  ' + hexSpaced(row).padEnd(48) + ' ' + Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join(''));
    }
    return pre(lines.join('\n'), 'hex');
  }
  function crossLink(text, target) {
    const a = el('a', { href: '#' + target, className: 'xref' }, text);
    return a;
  }

  function showDetail(r) {
    clear(detail);
    if (r.kind === 'frame') detail.append(...frameDetail(r.e));
    else if (r.kind === 'msg') detail.append(...msgDetail(r.e));
    else if (r.kind === 'handshake') detail.append(...handshakeDetail(state.conn));
    else if (r.kind === 'http') detail.append(...httpDetail(r.e));
    else if (r.kind === 'violation') detail.append(...violationDetail(r.e));
    else if (r.kind === 'chunk' || r.kind === 'sse') detail.append(...bodyDetail(r.e));
    else if (r.kind === 'tls') detail.append(...tlsDetail(r.e));
    else detail.append(el('p', null, r.row.textContent));
  }

  function heading(text, e) {
    return [el('h2', { id: 'detail-title' }, text),
      el('p', { className: 'sub' }, who(e.dir) + ', packet ' + e.packet + ', ' + secs(e.t) + ' s')];
  }

  const OPCODE_MEANING = {
    0: 'continuation frame: more of the message the previous frames began',
    1: 'text frame: its message is UTF-8 text', 2: 'binary frame: its message is bytes',
    8: 'close frame: the closing handshake (§5.5.1)', 9: 'ping frame: the peer must answer with a pong (§5.5.2)',
    10: 'pong frame: the answer to a ping (§5.5.3)',
  };

  // The first two bytes as RFC 6455 §5.2 draws them: one cell per bit, the fields under them.
  function bitFigure(h, f) {
    const t = el('table', { className: 'bits', id: 'bit-figure' });
    const idx = el('tr', { className: 'bitno' });
    const val = el('tr', { className: 'bitval' });
    for (let i = 0; i < 16; i++) {
      idx.append(el('td', null, String(i)));
      const byte = h[i >> 3], bit = (byte >> (7 - (i & 7))) & 1;
      val.append(el('td', { className: 'b' + bit + ' f' + fieldOf(i) }, String(bit)));
    }
    const names = el('tr', { className: 'fields' });
    const fields = [['FIN', 1, 'FIN'], ['RSV1', 1, 'RSV'], ['RSV2', 1, 'RSV'], ['RSV3', 1, 'RSV'], ['opcode (4)', 4, 'OP'],
      ['MASK', 1, 'MASK'], ['payload len (7)', 7, 'LEN']];
    for (const [n, w, c] of fields) names.append(el('td', { colSpan: w, className: 'f' + c }, n));
    const vals = el('tr', { className: 'fieldvals' });
    const fv = [f.fin ? '1' : '0', (f.rsv >> 2) & 1, (f.rsv >> 1) & 1, f.rsv & 1, f.opcode + ' = ' + f.opcode_name,
      f.mask ? '1' : '0', String(f.len7)];
    fields.forEach(([, w, c], k) => vals.append(el('td', { colSpan: w, className: 'f' + c }, String(fv[k]))));
    t.append(idx, val, names, vals);
    return t;
  }
  function fieldOf(i) { return i === 0 ? 'FIN' : i < 4 ? 'RSV' : i < 8 ? 'OP' : i === 8 ? 'MASK' : 'LEN'; }

  function frameDetail(f) {
    const c = state.conn;
    const out = heading('Frame ' + f.n + ' of connection ' + c.id, f);
    const h = hexBytes(f.header_hex);
    const deflate = !!(c.hs && c.hs.deflate);
    out.push(section('Header, ' + h.length + ' bytes (RFC 6455 §5.2)', el('p', { className: 'mono', id: 'header-hex' }, hexSpaced(h)), bitFigure(h, f)));
    const lines = [];
    lines.push(['byte 0', bits(h[0], 8) + ' = 0x' + hx(h[0])]);
    lines.push(['FIN ' + (f.fin ? 1 : 0), f.fin ? 'the last frame of its message' : 'more frames of this message follow']);
    lines.push(['RSV1 ' + ((f.rsv >> 2) & 1), (f.rsv & 4) ? (deflate ? (f.opcode === 0 ? 'set on a continuation: RSV1 belongs on a message\'s first frame only (RFC 7692 §6.1)'
      : 'the message is compressed (permessage-deflate, RFC 7692 §6)') : 'no extension was negotiated that gives it a meaning (§5.2)')
      : (deflate && (f.opcode === 1 || f.opcode === 2) ? 'not compressed' : 'no extension uses it')]);
    lines.push(['RSV2 ' + ((f.rsv >> 1) & 1) + ', RSV3 ' + (f.rsv & 1), (f.rsv & 3) ? 'set, with no extension giving them a meaning (§5.2)' : 'reserved for extensions']);
    lines.push(['opcode ' + f.opcode, (OPCODE_MEANING[f.opcode] || 'reserved opcode: no meaning is defined, a receiver must fail the connection') + ' (§5.2, §11.8)']);
    lines.push(['byte 1', bits(h[1], 8) + ' = 0x' + hx(h[1])]);
    lines.push(['MASK ' + (f.mask ? 1 : 0), f.mask ? 'the payload is masked; a client must mask every frame (§5.1)' : 'the payload is not masked; a server must never mask (§5.1)']);
    let form;
    if (f.len7 < 126) form = 'payload length ' + f.len7 + ' in the 7 bits (7-bit form: lengths 0 to 125)';
    else if (f.len7 === 126) form = '126: the length is in the next 2 bytes (16-bit form, for 126 to 65535)';
    else form = '127: the length is in the next 8 bytes (64-bit form, for 65536 and more)';
    lines.push(['length ' + f.len7, form]);
    let at = 2;
    if (f.len7 >= 126) {
      const k = f.len7 === 126 ? 2 : 8;
      const minimal = f.len7 === 126 ? f.payload_length >= 126 : f.payload_length > 65535;
      lines.push(['bytes ' + at + '–' + (at + k - 1), hexSpaced(h.subarray(at, at + k)) + ' = ' + f.payload_length + ', the payload length'
        + (minimal ? '' : ' — not the minimal form: §5.2 says the minimal number of bytes MUST be used'), minimal ? '' : 'bad']);
      at += k;
    }
    if (f.mask) {
      lines.push(['bytes ' + at + '–' + (at + 3), f.masking_key.match(/../g).join(' ') + ' masking key, chosen at random for each frame (§5.3)']);
    }
    out.push(section('Fields', kv(lines)));
    out[out.length - 1].querySelector('table').id = 'fields';

    const payload = hexBytes(f.preview_hex);
    const sizes = el('p', null, 'payload: ' + plural(f.payload_length, 'byte') + ' after the ' + h.length + ' header bytes (frame: '
      + (h.length + f.payload_length) + ' bytes)' + (f.preview_truncated ? '; the first ' + payload.length + ' are in this page' : ''));
    const parts = [sizes];
    if (f.mask && payload.length) {
      const wire = hexBytes(f.masked_hex);
      const key = hexBytes(f.masking_key);
      const n = Math.min(payload.length, 16);
      const t = el('table', { className: 'xor', id: 'xor' });
      const r0 = el('tr', null, el('th', null, 'byte i'));
      const r1 = el('tr', { className: 'wire' }, el('th', null, 'on the wire'));
      const r2 = el('tr', { className: 'key' }, el('th', null, 'key byte i % 4'));
      const r3 = el('tr', { className: 'plain' }, el('th', null, 'XOR'));
      const r4 = el('tr', { className: 'char' }, el('th', null, 'character'));
      for (let i = 0; i < n; i++) {
        r0.append(el('td', null, String(i)));
        r1.append(el('td', null, hx(wire[i])));
        r2.append(el('td', { className: 'k' + (i % 4) }, hx(key[i % 4])));
        r3.append(el('td', null, hx(payload[i])));
        r4.append(el('td', null, payload[i] >= 0x21 && payload[i] < 0x7f ? String.fromCharCode(payload[i]) : payload[i] === 0x20 ? '␠' : '·'));
      }
      t.append(r0, r1, r2, r3, r4);
      parts.push(el('p', null, 'Unmasking (§5.3): each payload byte i is XORed with byte i % 4 of the key'
        + (payload.length > n ? ' (the first ' + n + ' bytes)' : '') + ':'), el('div', { className: 'scroll' }, t),
      el('p', null, 'Check by hand: ', el('code', { id: 'xor-check' }, "printf '%02x\\n' $(( 0x" + hx(wire[0]) + ' ^ 0x' + hx(key[0]) + ' ))'),
        ' prints ' + hx(payload[0])));
    }
    const compressed = (f.rsv & 4) && deflate;
    const isText = f.opcode === 1 || (f.opcode === 0 && f.msg && f.msg.opcode === 1);
    if (payload.length) {
      if (compressed) {
        parts.push(el('p', null, 'compressed bytes (permessage-deflate):'), hexDump(payload));
      } else if (isText || (f.opcode === 8 && payload.length > 2)) {
        parts.push(el('p', null, f.opcode === 8 ? 'close code ' + ((payload[0] << 8) | payload[1]) + ', reason:' : 'as text (UTF-8):'),
          pre(visible(utf8.decode(f.opcode === 8 ? payload.subarray(2) : payload)), 'text payload-text'));
      } else if (f.opcode === 8 && payload.length === 2) {
        parts.push(el('p', null, 'close code ' + ((payload[0] << 8) | payload[1]) + ' (2 bytes, big-endian, §5.5.1)'));
      } else {
        parts.push(el('p', null, 'bytes:'), hexDump(payload));
      }
      if (f.preview_truncated) parts.push(el('p', { className: 'sub' }, 'The rest: ', el('code', null, cmd('--payload', 'all', '--explain', String(f.n), '--stream', String(state.conn.id), ...files()))));
    }
    out.push(section('Payload', ...parts));
    if (f.msg) {
      const m = f.msg;
      const p = el('p', null, 'Part of ', crossLink('message ' + m.n, 'conn=' + state.conn.id + '&msg=' + m.n), ': ' + msgLabel(m));
      out.push(p);
      if (compressed && m.text !== undefined) out.push(section('Inflated (RFC 7692 §7.2.2), ' + plural(m.inflated_length, 'byte'), pre(visible(m.text), 'text inflated')));
    }
    const viols = state.conn.items.filter((v) => v.type === 'violation' && v.offset === f.offset && v.dir === f.dir);
    for (const v of viols) out.push(el('p', { className: 'note bad' }, '⚠ ' + v.text + (v.detail ? ': ' + visible(v.detail) : '') + ' — ' + v.rfc));
    out.push(el('p', { className: 'sub' }, 'In a terminal: ', el('code', null, cmd('--explain', String(f.n), '--stream', String(state.conn.id), ...files()))));
    return out;
  }

  function msgDetail(m) {
    const c = state.conn;
    const out = heading('Message ' + m.n + ' of connection ' + c.id + ': ' + m.opcode_name, m);
    const rows = [['opcode', m.opcode + ' (' + m.opcode_name + ')'], ['length', plural(m.length, 'byte') + (m.compressed ? ' compressed' : '')]];
    if (m.compressed) rows.push(['inflated', m.inflated_length !== undefined ? plural(m.inflated_length, 'byte') : 'did not inflate: ' + visible(m.inflate_error || '')]);
    if (m.utf8_valid !== undefined) rows.push(['UTF-8', m.utf8_valid === null ? 'not checked' : m.utf8_valid ? 'valid' : 'NOT valid (§8.1)', m.utf8_valid === false ? 'bad' : '']);
    if (m.opcode === 8) {
      rows.push(['close code', m.close_code === null ? 'none (empty close)' : m.close_code + (m.close_name ? ' (' + m.close_name + ')' : '') + ', RFC 6455 §7.4']);
      if (m.close_reason) rows.push(['reason', visible(m.close_reason)]);
    }
    if (m.opcode === 10) rows.push(['round trip', typeof m.rtt === 'number' ? ms(m.rtt) + ' since the ping it answers' : 'no ping before it']);
    if (m.incomplete) rows.push(['incomplete', 'bytes of it are missing from the capture', 'bad']);
    out.push(kv(rows));
    const fl = el('ol', { className: 'frames-of' });
    for (const f of m.frameList || []) fl.append(el('li', null, crossLink('frame ' + f.n, 'conn=' + c.id + '&frame=' + f.n), ' ' + frameLabel(f)));
    out.push(section(plural(m.frames, 'frame'), fl));
    if (m.text !== undefined) {
      out.push(section(m.compressed ? 'Text (inflated)' : 'Text', pre(visible(m.text), 'text whole-text')));
      if (m.preview_truncated) out.push(el('p', { className: 'sub' }, 'The first ' + plural(hexBytes(m.preview_hex).length, 'byte') + ' are in this page. All of it: ',
        el('code', null, cmd('--payload', 'all', '--json', '--stream', String(c.id), ...files()))));
    } else if (m.preview_hex) {
      out.push(section('Bytes', hexDump(hexBytes(m.preview_hex))));
    }
    if (m.compressed && m.compressed_hex) out.push(section('As sent (compressed)', hexDump(hexBytes(m.compressed_hex))));
    return out;
  }

  function httpDetail(h) {
    const out = heading(h.request ? 'HTTP request ' + h.index : 'HTTP response', h);
    if (h.head) out.push(section('Head, as sent', pre(headText(h.head), 'text head')));
    const rows = [];
    if (h.content_type) rows.push(['Content-Type', visible(h.content_type)]);
    if (h.content_encoding) rows.push(['Content-Encoding', visible(h.content_encoding)]);
    if (typeof h.body_length === 'number') rows.push(['body', plural(h.body_length, 'byte')]);
    if (h.chunked) rows.push(['body', 'chunked (RFC 9112 §7.1)']);
    if (typeof h.waited === 'number') rows.push(['waited', ms(h.waited) + ' since its request']);
    if (h.head_cut) rows.push(['cut', 'the head is cut in the capture (' + h.head_cut + ' bytes captured)', 'bad']);
    out.push(kv(rows));
    if (h.upgrade) out.push(el('p', null, crossLink('The handshake, step by step', 'conn=' + state.conn.id + '&handshake')));
    return out;
  }

  function violationDetail(v) {
    const out = heading('Violation: ' + v.text, v);
    out.push(kv([['rule', v.rfc], ['id', v.violation], ['detail', v.detail ? visible(v.detail) : ''], ['stream offset', String(v.offset)]]));
    const f = state.conn.frames.find((x) => x.offset === v.offset && x.dir === v.dir);
    if (f) out.push(el('p', null, 'The frame: ', crossLink('frame ' + f.n, 'conn=' + state.conn.id + '&frame=' + f.n)));
    return out;
  }

  function bodyDetail(e) {
    const out = heading(e.type === 'chunk' ? 'Chunk ' + e.index : 'Server-Sent Event ' + e.index, e);
    if (e.type === 'chunk') {
      out.push(kv([['chunk-size', e.size + ' = 0x' + e.size.toString(16) + ' (the hex size line, RFC 9112 §7.1)'], ['coding', e.coding || '']]));
      if (e.text !== undefined) out.push(section('Data', pre(visible(e.text), 'text')));
    } else {
      out.push(kv([['event', visible(e.event || 'message')], ['id', e.id ? visible(e.id) : ''], ['retry', e.retry === null ? '' : e.retry + ' ms'],
        ['length', plural(e.data_length, 'byte')]]));
      out.push(section('data', pre(visible(e.data || ''), 'text')));
    }
    return out;
  }

  function tlsDetail(e) {
    if (e.what === 'records') {
      const out = heading('TLS records: ' + e.record_type, e);
      out.push(kv([['content type', e.record_type], ['encrypted', e.encrypted ? 'yes: only the size and timing show' : 'no'],
        ['handshake', e.handshake ? visible(e.handshake) : ''], ['records', String(e.records)],
        ['bytes', plural(e.bytes, 'byte') + ' (without the 5-byte record headers)']]));
      out.push(el('p', null, 'What an observer sees of wss:// is records, their directions, sizes and timing. With the secrets: ',
        el('code', null, cmd('--keylog', 'KEYLOG', ...files()))));
      return out;
    }
    const out = heading('TLS', e);
    out.push(kv([['version', e.version], ['cipher', e.cipher], ['SNI', e.sni ? visible(e.sni) : ''], ['ALPN offered', e.alpn_offered ? visible(e.alpn_offered) : ''],
      ['ALPN selected', e.alpn_selected ? visible(e.alpn_selected) : ''], ['decrypted', e.what === 'info' ? (e.decrypting ? 'yes, with the key log' : 'no') : ''],
      ['why not', e.why_not ? visible(e.why_not) : ''], ['alert', e.alert ? visible(e.alert) : ''], ['error', e.error ? visible(e.error) : '', 'bad']]));
    if (e.what === 'info' && !e.decrypting) out.push(el('p', null, 'What an observer sees of wss:// is records, their directions, sizes and timing. With the secrets: ',
      el('code', null, cmd('--keylog', 'KEYLOG', ...files()))));
    return out;
  }

  function handshakeDetail(c) {
    const hs = c.hs;
    const out = [el('h2', { id: 'detail-title' }, 'The handshake of connection ' + c.id)];
    if (!hs) { out.push(el('p', null, 'No handshake on this connection.')); return out; }
    const req = c.http.find((h) => h.request && h.upgrade) || c.http.find((h) => h.request);
    const resp = c.http.find((h) => !h.request && h.status === hs.status) || c.http.find((h) => !h.request);
    const steps = el('ol', { className: 'steps', id: 'accept-steps' });
    if (hs.key) {
      steps.append(el('li', null, el('span', { className: 'what' }, 'Sec-WebSocket-Key (from the request)'), el('code', { className: 'tok step-key' }, visible(hs.key)),
        hs.key_warning ? el('span', { className: 'bad' }, ' — not the base64 of 16 bytes (§4.1 item 7)') : null));
      steps.append(el('li', null, el('span', { className: 'what' }, 'the GUID every server appends (§1.3)'), el('code', { className: 'tok step-guid' }, hs.guid || GUID)));
      steps.append(el('li', null, el('span', { className: 'what' }, 'Key + GUID, one string'), el('code', { className: 'tok step-concat' }, el('span', { className: 'part-key' }, visible(hs.key)), el('wbr'), el('span', { className: 'part-guid' }, hs.guid || GUID))));
      if (hs.accept_sha1) {
        steps.append(el('li', null, el('span', { className: 'what' }, 'its SHA-1, 20 bytes in hex'), el('code', { className: 'tok step-sha1' }, hs.accept_sha1)));
        const mine = b64(hexBytes(hs.accept_sha1));
        steps.append(el('li', null, el('span', { className: 'what' }, 'those 20 bytes in base64: the Accept the key calls for (§4.2.2)'),
          el('code', { className: 'tok step-expected' }, hs.expected_accept || mine)));
      }
      steps.append(el('li', null, el('span', { className: 'what' }, 'Sec-WebSocket-Accept (from the response)'),
        el('code', { className: 'tok step-accept' }, hs.accept ? visible(hs.accept) : '(none)')));
    } else {
      steps.append(el('li', null, 'The request carries no Sec-WebSocket-Key' + (hs.why ? ': ' + hs.why : '.')));
    }
    out.push(section('Sec-WebSocket-Accept, step by step', steps));
    const ok = hs.verdict === 'valid';
    out.push(el('p', { className: 'verdict ' + (ok ? 'good' : hs.verdict === 'not-seen' ? '' : 'bad'), id: 'verdict' },
      ok ? '✓ valid: the Accept is the key\'s, the server understood the WebSocket handshake' : '✗ ' + hs.verdict + (hs.why ? ': ' + hs.why : '') + (hs.rule ? ' (' + hs.rule + ')' : '')));
    if (hs.key) out.push(el('p', { className: 'sub' }, 'By hand: ', el('code', null, "printf '%s' '" + hs.key.replace(/'/g, '') + hs.guid + "' | openssl sha1 -binary | base64"),
      ' or ', el('code', null, 'wsaccept --explain ' + quoteWord(hs.key))));
    out.push(section('Request (client → server)', req && req.head ? pre(headText(req.head), 'text head req-head') : el('p', null, 'not in the capture')));
    out.push(section('Response (server → client)', resp && resp.head ? pre(headText(resp.head), 'text head resp-head') : el('p', null, 'not in the capture')));
    const rows = [['request', (hs.method || 'GET') + ' ' + visible(hs.path || '')], ['Host', hs.host ? visible(hs.host) : ''], ['Origin', hs.origin ? visible(hs.origin) : '(none)'],
      ['Version', hs.version ? visible(hs.version) : '(none)', hs.version_warning ? 'bad' : ''],
      ['Protocols', 'offered: ' + (hs.protocols_offered ? visible(hs.protocols_offered) : '(none)') + '; selected: ' + (hs.protocol_selected ? visible(hs.protocol_selected) : '(none)')],
      ['Extensions', 'offered: ' + (hs.extensions_offered ? visible(hs.extensions_offered) : '(none)') + '; selected: ' + (hs.extensions_selected ? visible(hs.extensions_selected) : '(none)')],
      ['Response', hs.status ? hs.status + ' ' + visible(hs.reason || '') + (typeof hs.latency === 'number' ? ', ' + ms(hs.latency) + ' after the request' : '') : '(none)'],
      ['Compression', hs.deflate ? 'permessage-deflate (RFC 7692): RSV1 marks a compressed message' : '']];
    out.push(section('Facts', kv(rows)));
    return out;
  }

  // ---- controls and keys ------------------------------------------------------------------
  function setTheme(dark) {
    doc.documentElement.classList.toggle('dark', dark);
    doc.documentElement.classList.toggle('light', !dark);
    $('btn-theme').textContent = dark ? 'Light' : 'Dark';
  }
  let dark = window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches;
  setTheme(dark);
  $('btn-theme').addEventListener('click', () => setTheme(dark = !dark));
  function toggleFrames() {
    if (!state.conn) return;
    const r = state.rows[state.sel];
    state.frames = !state.frames;
    let target = { conn: state.conn.id, rebuild: true };
    if (r && r.kind === 'msg' && r.e.frameList && r.e.frameList.length) target.frame = r.e.frameList[0].n;
    else if (r && r.kind === 'frame' && r.e.msg) target.msg = r.e.msg.n;
    go(target);
  }
  $('btn-frames').addEventListener('click', toggleFrames);
  function togglePresent() {
    state.present = !state.present;
    state.shown = state.present ? Math.max(state.sel + 1, 0) : state.rows.length;
    applyPresent();
  }
  $('btn-present').addEventListener('click', togglePresent);
  $('btn-keys').addEventListener('click', () => { $('keys').hidden = !$('keys').hidden; });

  function step(d) {
    if (!state.rows.length) return;
    if (state.present && d > 0 && state.shown < state.rows.length && state.sel >= state.shown - 1) {
      // reveal the next row; select it when it is an arrow or a note that has details
      state.shown++;
      applyPresent();
      const i = state.shown - 1;
      select(i);
      return;
    }
    let i = state.sel + d;
    if (state.sel < 0) i = d > 0 ? 0 : state.rows.length - 1;
    i = Math.max(0, Math.min(state.rows.length - 1, i));
    select(i);
  }
  doc.addEventListener('keydown', (ev) => {
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const k = ev.key;
    // space and Enter on a button, link or folded list are theirs
    if ((k === ' ' || k === 'Enter') && ev.target && ev.target.closest && ev.target.closest('button, a, summary')) return;
    let done = true;
    if (k === 'ArrowRight' || k === 'ArrowDown' || k === 'j' || k === ' ' || k === 'PageDown') step(1);
    else if (k === 'ArrowLeft' || k === 'ArrowUp' || k === 'k' || k === 'PageUp') step(-1);
    else if (k === 'Home') select(0);
    else if (k === 'End') { if (state.present) { state.shown = state.rows.length; applyPresent(); } select(state.rows.length - 1); }
    else if (k === 'f') toggleFrames();
    else if (k === 'p') togglePresent();
    else if (k === 't') setTheme(dark = !dark);
    else if (k === 'h' && state.conn) go({ conn: state.conn.id, handshake: true });
    else if ((k === 'n' || k === 'b') && state.conn) {
      const i = connList.indexOf(state.conn) + (k === 'n' ? 1 : -1);
      if (connList[i]) go({ conn: connList[i].id });
    } else if (k === '?') $('keys').hidden = !$('keys').hidden;
    else done = false;
    if (done) ev.preventDefault();
  });
  window.addEventListener('hashchange', fromHash);

  // ---- start ------------------------------------------------------------------------------
  $('input').textContent = meta.input || '';
  doc.title = 'wsinspect: ' + (meta.input || 'capture');
  buildNotes();
  buildConnList();
  if (connList.length) fromHash();
  doc.body.dataset.ready = '1';
})();

/**
 * The chat widget a shop puts on its pages with one script tag: a button, and a panel (full screen on a phone) in a
 * shadow root so the shop's CSS never reaches it. Simplified Chinese or English by `data-lang` or the browser. The
 * visitor is the analytics SDK's anonymous id (Segment's `ajs_anonymous_id`, RudderStack's `rl_anonymous_id`) when the
 * page has one, else an id the widget keeps in localStorage. It reconnects with backoff and keeps a heartbeat.
 */
export const WIDGET_SCRIPT = `(() => {
  if (window.__patronChat) return;
  window.__patronChat = true;
  const me = document.currentScript;
  const origin = new URL(me && me.src ? me.src : location.href).origin;
  const wantEn = ((me && me.dataset.lang) || navigator.language || '').toLowerCase().startsWith('en');
  const T = wantEn
    ? { open: 'Chat with us', title: 'Customer service', placeholder: 'Type a message…', send: 'Send', leave: 'Leave your e-mail or phone so we can reply later', ok: 'Thanks, we will keep you posted', offline: 'Reconnecting…', busy: 'Slow down a little, please', you: 'You', agent: 'Service', bot: 'Help bot' }
    : { open: '联系客服', title: '在线客服', placeholder: '输入消息…', send: '发送', leave: '留下邮箱或手机号，方便我们稍后回复您', ok: '已收到，我们会尽快联系您', offline: '正在重新连接…', busy: '发送太快了，请稍候', you: '我', agent: '客服', bot: '智能客服' };
  const read = (k) => {
    try {
      const v = localStorage.getItem(k);
      if (v) return v.startsWith('"') ? JSON.parse(v) : v;
    } catch (e) {}
    const c = document.cookie.split('; ').find((x) => x.startsWith(k + '='));
    return c ? decodeURIComponent(c.slice(k.length + 1)).replace(/^"|"$/g, '') : null;
  };
  const clean = (v) => (v && /^[\\w.:-]{8,100}$/.test(v) ? v : null);
  let aid = clean(read('ajs_anonymous_id')) || clean(read('rl_anonymous_id')) || clean(read('patron_chat_aid'));
  if (!aid) {
    aid = (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2));
    try { localStorage.setItem('patron_chat_aid', aid); } catch (e) {}
  }
  const host = document.createElement('div');
  host.setAttribute('data-patron-chat', '');
  const root = host.attachShadow({ mode: 'open' });
  root.innerHTML = '<style>' +
    ':host{all:initial}*{box-sizing:border-box;font-family:system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif}' +
    '.btn{position:fixed;right:20px;bottom:20px;z-index:2147483000;border:0;border-radius:24px;padding:12px 18px;background:#1677ff;color:#fff;font-size:15px;box-shadow:0 4px 14px rgba(0,0,0,.2);cursor:pointer}' +
    '.panel{position:fixed;right:20px;bottom:80px;z-index:2147483000;width:340px;height:480px;max-height:calc(100vh - 100px);display:none;flex-direction:column;background:#fff;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.25);overflow:hidden}' +
    '.panel.open{display:flex}.head{background:#1677ff;color:#fff;padding:12px 14px;font-size:16px;display:flex;justify-content:space-between}.head button{background:none;border:0;color:#fff;font-size:20px;cursor:pointer}' +
    '.log{flex:1;overflow-y:auto;padding:10px;background:#f5f6f8}.line{margin:6px 0;display:flex}.line.customer{justify-content:flex-end}' +
    '.bubble{max-width:78%;padding:8px 11px;border-radius:10px;white-space:pre-wrap;word-break:break-word;font-size:14px;line-height:1.45;background:#fff}.customer .bubble{background:#1677ff;color:#fff}.bot .bubble{background:#eef4ff}.bubble a{display:block;color:#1677ff;margin-top:4px}' +
    '.note{font-size:12px;color:#888;text-align:center;margin:6px 0}.leave{display:flex;gap:6px;padding:6px 10px;border-top:1px solid #eee}.leave input{flex:1}' +
    'form{display:flex;gap:6px;padding:10px;border-top:1px solid #eee}input{flex:1;padding:9px;border:1px solid #ccc;border-radius:8px;font-size:15px}form button,.leave button{border:0;border-radius:8px;background:#1677ff;color:#fff;padding:0 14px;font-size:14px}' +
    '@media (max-width:600px){.panel{right:0;bottom:0;width:100vw;height:100vh;max-height:none;border-radius:0}}' +
    '</style>' +
    '<button class="btn" part="button"></button><div class="panel" role="dialog"><div class="head"><span class="title"></span><button class="close" aria-label="close">×</button></div>' +
    '<div class="log" aria-live="polite"></div><div class="leave"><input class="contact" autocomplete="email"><button class="save">OK</button></div>' +
    '<form><input class="text" autocomplete="off"><button type="submit" class="send"></button></form></div>';
  const $ = (s) => root.querySelector(s);
  $('.btn').textContent = T.open;
  $('.title').textContent = T.title;
  $('.text').placeholder = T.placeholder;
  $('.send').textContent = T.send;
  $('.contact').placeholder = T.leave;
  const log = $('.log');
  const shown = new Set();
  const note = (text) => { const n = document.createElement('div'); n.className = 'note'; n.textContent = text; log.appendChild(n); log.scrollTop = log.scrollHeight; };
  const bubble = (author, text, links) => {
    const line = document.createElement('div');
    line.className = 'line ' + author;
    const b = document.createElement('div');
    b.className = 'bubble';
    b.textContent = text;
    (links || []).forEach((a) => { if (!a.url) return; const l = document.createElement('a'); l.href = a.url; l.target = '_blank'; l.rel = 'noopener'; l.textContent = '→ ' + a.title; b.appendChild(l); });
    line.appendChild(b);
    log.appendChild(line);
    log.scrollTop = log.scrollHeight;
  };
  const add = (m) => {
    if (shown.has(m.id)) return;
    shown.add(m.id);
    bubble(m.author, m.body);
  };
  let ws = null, wait = 1000, queue = [];
  const connect = () => {
    ws = new WebSocket(origin.replace(/^http/, 'ws') + '/chat/ws?aid=' + encodeURIComponent(aid) + '&lang=' + (wantEn ? 'en' : 'zh-CN'));
    ws.onopen = () => { wait = 1000; queue.splice(0).forEach((d) => ws.send(d)); };
    ws.onmessage = (e) => {
      const d = JSON.parse(e.data);
      if (d.type === 'history' || d.type === 'messages') d.messages.forEach(add);
      else if (d.type === 'said') bubble('customer', d.text);
      else if (d.type === 'bot') bubble('bot', d.text, d.articles);
      else if (d.type === 'handoff') { log.textContent = ''; shown.clear(); }
      else if (d.type === 'identified') note(T.ok);
      else if (d.type === 'error' && d.code === 'RATE_LIMITED') note(T.busy);
    };
    ws.onclose = () => { setTimeout(connect, wait); wait = Math.min(wait * 2, 30000); };
  };
  const send = (obj) => { const d = JSON.stringify(obj); if (ws && ws.readyState === 1) ws.send(d); else queue.push(d); };
  setInterval(() => ws && ws.readyState === 1 && ws.send('{"type":"ping"}'), 25000);
  $('.btn').onclick = () => { $('.panel').classList.toggle('open'); if (!ws) connect(); $('.text').focus(); };
  $('.close').onclick = () => $('.panel').classList.remove('open');
  $('form').onsubmit = (e) => { e.preventDefault(); const v = $('.text').value.trim(); if (!v) return; send({ type: 'message', text: v }); $('.text').value = ''; };
  $('.save').onclick = () => {
    const v = $('.contact').value.trim();
    if (!v) return;
    send(v.includes('@') ? { type: 'identify', email: v } : { type: 'identify', phone: v });
    $('.leave').style.display = 'none';
  };
  (document.body || document.documentElement).appendChild(host);
})();
`;

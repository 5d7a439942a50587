/**
 * The UI's only stylesheet and script, served from the registry itself (no fonts, CDNs or other
 * hosts; the Content-Security-Policy forbids them). Pages are complete HTML without the script;
 * it adds what needs a login token: signing in and out, moving channels, managing members. The
 * token lives in sessionStorage and travels in the Authorization header, never in a cookie, so
 * no other site can make the browser act with it.
 */
import { sha256Hex } from '../../src/util/hash.js';

export const CSS = `
:root{color-scheme:light dark;--fg:#1b1f24;--muted:#57606a;--bg:#fff;--panel:#f6f8fa;--line:#d0d7de;--accent:#0b5cad;--bad:#b3261e;--ok:#1a7f37}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9da7b3;--bg:#0d1117;--panel:#161b22;--line:#30363d;--accent:#6cb6ff;--bad:#ff7b72;--ok:#56d364}}
*{box-sizing:border-box}
[hidden]{display:none!important}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--accent)}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:var(--bg);padding:4px 8px;z-index:2}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
header.top{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:center;padding:10px 16px;border-bottom:1px solid var(--line);background:var(--panel)}
header.top .brand{font-weight:700;text-decoration:none;color:var(--fg)}
header.top form{display:flex;flex:1 1 240px;gap:6px}
header.top input{flex:1;min-width:0}
#session{display:flex;gap:8px;align-items:center;margin-left:auto}
h1{overflow-wrap:anywhere}
main{max-width:1100px;margin:0 auto;padding:16px}
input,select,button{font:inherit;padding:6px 8px;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg)}
button{background:var(--accent);color:#fff;border-color:var(--accent);cursor:pointer}
button.secondary{background:transparent;color:var(--accent)}
ul.packages{list-style:none;padding:0;display:grid;gap:10px;grid-template-columns:repeat(auto-fill,minmax(280px,1fr))}
ul.packages li{border:1px solid var(--line);border-radius:8px;padding:10px 12px;background:var(--panel)}
ul.packages .name{font-weight:600}
.muted{color:var(--muted)}
nav.sections ul{display:flex;flex-wrap:wrap;gap:4px 14px;list-style:none;padding:0}
.table{overflow-x:auto}
table{border-collapse:collapse;width:100%;margin:8px 0}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:0.9em}
pre{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:10px;overflow-x:auto}
details{border:1px solid var(--line);border-radius:6px;margin:6px 0;padding:4px 10px}
summary{cursor:pointer;padding:4px 0}
.readme{border-top:1px solid var(--line)}
.status{min-height:1.5em}.status.bad{color:var(--bad)}.status.ok{color:var(--ok)}
form.inline{display:flex;flex-wrap:wrap;gap:8px;align-items:end;margin:8px 0}
form.inline .field,form.stack label{display:flex;flex-direction:column;font-size:0.9em}
form.stack{display:grid;gap:10px;max-width:320px}
.digest{word-break:break-all}
@media (max-width:600px){main{padding:10px}th,td{padding:4px}}
`;

export const SCRIPT = `'use strict';
(function () {
  var KEY = 'stackanetes-registry-session';
  var FLASH = 'stackanetes-registry-flash';
  function session() {
    try { return JSON.parse(sessionStorage.getItem(KEY) || 'null'); } catch (e) { return null; }
  }
  function save(s) {
    if (s) sessionStorage.setItem(KEY, JSON.stringify(s)); else sessionStorage.removeItem(KEY);
  }
  function api(method, path, body) {
    var s = session();
    var headers = { 'content-type': 'application/json' };
    if (s) headers.authorization = 'Bearer ' + s.token;
    return fetch(path, {
      method: method, headers: headers, credentials: 'omit',
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (r) {
      return r.text().then(function (t) {
        var data = null;
        try { data = JSON.parse(t); } catch (e) { data = null; }
        if (r.status === 401 && s) save(null);
        return { status: r.status, ok: r.ok, data: data };
      });
    });
  }
  function message(res) {
    return (res.data && res.data.error && res.data.error.message) || ('the registry answered HTTP ' + res.status);
  }
  function say(el, text, kind) {
    if (!el) return;
    el.textContent = text;
    el.className = 'status' + (kind ? ' ' + kind : '');
  }
  function node(tag, text, attrs) {
    var e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    return e;
  }
  function seg(s) { return encodeURIComponent(s); }
  function safeNext(next) {
    return typeof next === 'string' && next.charAt(0) === '/' && next.charAt(1) !== '/' && next.charAt(1) !== '\\\\' ? next : '/';
  }

  function showSession() {
    var box = document.getElementById('session');
    if (!box) return;
    var s = session();
    if (!s) return;
    box.textContent = '';
    box.appendChild(node('span', 'Signed in as ' + s.user, { id: 'signed-in' }));
    var out = node('button', 'Log out', { type: 'button', class: 'secondary', id: 'logout' });
    out.addEventListener('click', function () {
      api('DELETE', '/api/v1/users/login').then(function () { save(null); location.reload(); },
        function () { save(null); location.reload(); });
    });
    box.appendChild(out);
  }

  function loginPage() {
    var form = document.getElementById('login-form');
    if (!form) return;
    var status = document.getElementById('login-status');
    form.hidden = false;
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var user = form.elements.namedItem('username').value;
      var password = form.elements.namedItem('password').value;
      say(status, 'Signing in…');
      api('POST', '/api/v1/users/login', { user: { username: user, password: password } }).then(function (res) {
        if (!res.ok) { say(status, message(res), 'bad'); return; }
        save({ user: res.data.user, token: res.data.token });
        location.assign(safeNext(new URLSearchParams(location.search).get('next')));
      }, function () { say(status, 'the registry cannot be reached', 'bad'); });
    });
  }

  function membersTable(ns, members, status, owner) {
    var body = document.getElementById('members-body');
    body.textContent = '';
    members.forEach(function (m) {
      var tr = document.createElement('tr');
      tr.appendChild(node('td', m.username));
      tr.appendChild(node('td', m.role));
      var td = document.createElement('td');
      if (owner) {
        var b = node('button', 'Remove', { type: 'button', class: 'secondary', 'aria-label': 'Remove ' + m.username });
        b.addEventListener('click', function () {
          api('DELETE', '/api/v1/namespaces/' + seg(ns) + '/members/' + seg(m.username)).then(function (res) {
            if (!res.ok) { say(status, message(res), 'bad'); return; }
            say(status, m.username + ' is no longer a member of ' + ns, 'ok');
            loadMembers(ns, status);
          });
        });
        td.appendChild(b);
      }
      tr.appendChild(td);
      body.appendChild(tr);
    });
  }

  function loadMembers(ns, status) {
    var s = session();
    return api('GET', '/api/v1/namespaces/' + seg(ns) + '/members').then(function (res) {
      if (res.status === 401) { say(status, 'Your session has expired: log in again.', 'bad'); return null; }
      if (!res.ok) {
        say(status, s.user + ' is not a member of namespace ' + ns + ': only its members move channels and only its owners manage members.', 'bad');
        return null;
      }
      var me = res.data.filter(function (m) { return m.username === s.user; })[0];
      var owner = !!me && me.role === 'owner';
      document.getElementById('members').hidden = false;
      document.getElementById('member-form').hidden = !owner;
      membersTable(ns, res.data, status, owner);
      return me;
    });
  }

  function managePanel() {
    var panel = document.getElementById('manage');
    if (!panel) return;
    var ns = panel.getAttribute('data-namespace');
    var pkg = panel.getAttribute('data-package');
    var status = document.getElementById('manage-status');
    var flash = sessionStorage.getItem(FLASH);
    sessionStorage.removeItem(FLASH);
    if (!session()) { if (flash) say(status, flash, 'ok'); return; }
    say(status, 'Checking your role in ' + ns + '…');
    loadMembers(ns, status).then(function (me) {
      if (!me) return;
      say(status, flash || ('Signed in as ' + me.username + ', ' + me.role + ' of ' + ns + '.'), flash ? 'ok' : '');
      var form = document.getElementById('channel-form');
      form.hidden = false;
      form.addEventListener('submit', function (ev) {
        ev.preventDefault();
        var channel = form.elements.namedItem('channel').value.trim();
        var release = form.elements.namedItem('release').value;
        api('POST', '/api/v1/packages/' + pkg + '/channels/' + seg(channel) + '/' + seg(release)).then(function (res) {
          if (!res.ok) { say(status, message(res), 'bad'); return; }
          sessionStorage.setItem(FLASH, 'Channel ' + channel + ' now points at ' + res.data.current + '.');
          location.reload();
        }, function () { say(status, 'the registry cannot be reached', 'bad'); });
      });
      var mform = document.getElementById('member-form');
      mform.addEventListener('submit', function (ev) {
        ev.preventDefault();
        var user = mform.elements.namedItem('member').value.trim();
        var role = mform.elements.namedItem('role').value;
        api('PUT', '/api/v1/namespaces/' + seg(ns) + '/members/' + seg(user), { role: role }).then(function (res) {
          if (!res.ok) { say(status, message(res), 'bad'); return; }
          say(status, user + ' is now ' + role + ' of ' + ns + '.', 'ok');
          mform.reset();
          loadMembers(ns, status);
        });
      });
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    showSession();
    loginPage();
    managePanel();
  });
})();
`;

/** Content hashes, so pages can name immutable asset URLs that browsers cache for good. */
export const ASSET_VERSION = sha256Hex(CSS, SCRIPT).slice(0, 12);

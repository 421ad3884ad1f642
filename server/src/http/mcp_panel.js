// Loquat's MCP panel (GET /mcp/panel.js; see docs/mcp.md, "Servers your
// users add"): the list of the chat's MCP servers, and the form where the
// user adds their own. Loaded only by apps with `[features.mcp]
// user_servers`, so other apps pay nothing for it on their first load; the
// app's WASM keeps the connection and hands this script what it needs.
//
// The user's servers are kept in this browser's local storage under the
// signed-in user's identifier (a second user of the browser has their
// own list), and sent again on every connection, so each new chat has
// them. Their headers (API keys) never reach the app's database. A server
// is saved once the server lists it: a refused one is not kept. Where
// storage is blocked (a cross-site frame), the list lasts the page.
//
// The WASM calls `loquatMcp(op)`:
//   { op: "connected" }             a new connection: the saved list goes
//   { op: "servers", servers }      the chat's servers (JSON text)
//   { op: "refused", message }      the last add or remove was refused
//   { op: "open", root, closeIcon } the MCP button was clicked: the panel
//                                   opens inside `root`
// and sends what this script asks with `loquatMcpHost(json)` (a client
// event; false when not connected).
(() => {
  'use strict';
  if (window.loquatMcp) return;

  const config = (() => {
    try {
      return JSON.parse(document.getElementById('loquat-config').textContent);
    } catch {
      return {};
    }
  })();
  const strings = (config.translations && config.translations.strings) || {};
  const t = (key, values) => {
    let text = strings[key] || key;
    for (const [name, value] of Object.entries(values || {})) text = text.replace('{' + name + '}', value);
    return text;
  };
  const user = (config.user && config.user.identifier) || '';
  const storageKey = 'loquat.mcp_servers.' + user;
  const send = (event) => typeof window.loquatMcpHost === 'function' && window.loquatMcpHost(JSON.stringify(event)) === true;

  let inPage = [];
  function load() {
    try {
      const text = window.localStorage.getItem(storageKey);
      return text ? JSON.parse(text) : [];
    } catch {
      return inPage.slice();
    }
  }
  function save(list) {
    try {
      if (list.length) window.localStorage.setItem(storageKey, JSON.stringify(list));
      else window.localStorage.removeItem(storageKey);
    } catch {
      inPage = list;
    }
  }
  const addEvent = (s) => ({ type: 'mcp_add', name: s.name, url: s.url, headers: s.headers || {} });

  let servers = [];
  let pending = null;
  let error = null;
  let panel = null;
  let closeIconHtml = '×';

  function listed(list) {
    servers = Array.isArray(list) ? list : [];
    if (pending && servers.some((s) => s.source === 'user' && s.name === pending.name)) {
      save(load().filter((s) => s.name !== pending.name).concat([pending]));
      pending = null;
    }
    render();
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === false || value === null || value === undefined) continue;
      if (name === 'text') node.textContent = value;
      else if (name === 'html') node.innerHTML = value;
      else node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children || []) if (child) node.appendChild(child);
    return node;
  }

  function close() {
    if (panel) panel.root.replaceChildren();
    panel = null;
  }

  function open(root, closeIcon) {
    close();
    error = null;
    if (closeIcon) closeIconHtml = closeIcon;
    const list = el('ul', { class: 'mcp-servers' });
    const none = el('p', { class: 'mcp-none', text: t('mcp.none') });
    const errorText = el('p', { class: 'mcp-error', 'data-testid': 'mcp-error', role: 'alert', hidden: true });
    const input = (id, label, type) =>
      el('input', { type, 'data-testid': id, placeholder: label, 'aria-label': label, autocomplete: 'off', spellcheck: 'false' });
    const name = input('mcp-add-name', t('mcp.name'), 'text');
    const url = input('mcp-add-url', t('mcp.url'), 'url');
    const header = input('mcp-add-header-name', t('mcp.header_name'), 'text');
    const value = input('mcp-add-header-value', t('mcp.header_value'), 'password');
    const submit = el('button', { type: 'submit', class: 'btn btn-primary btn-small', 'data-testid': 'mcp-add-submit', disabled: true, text: t('mcp.add_submit') });
    const form = el('form', { class: 'mcp-add' }, [
      el('h3', { text: t('mcp.add') }),
      name,
      url,
      el('div', { class: 'mcp-header' }, [header, value]),
      errorText,
      el('div', { class: 'settings-actions' }, [submit]),
    ]);
    const ready = () => {
      submit.disabled = !name.value.trim() || !url.value.trim();
    };
    name.addEventListener('input', ready);
    url.addEventListener('input', ready);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const headers = {};
      if (header.value.trim()) headers[header.value.trim()] = value.value;
      const server = { name: name.value.trim(), url: url.value.trim(), headers };
      error = null;
      if (send(addEvent(server))) {
        pending = server;
        for (const field of [name, url, header, value]) field.value = '';
        ready();
      } else {
        error = t('mcp.not_connected');
      }
      render();
    });
    const closeButton = el('button', { type: 'button', class: 'icon-btn', 'aria-label': t('common.close'), title: t('common.close'), html: closeIconHtml });
    closeButton.addEventListener('click', close);
    const backdrop = el('div', { class: 'settings-backdrop' });
    backdrop.addEventListener('click', close);
    const dialog = el('div', { class: 'settings-panel as-dialog mcp-panel', role: 'dialog', 'aria-label': t('mcp.title'), 'data-testid': 'mcp-panel' }, [
      el('div', { class: 'settings-head' }, [el('h2', { text: t('mcp.title') }), closeButton]),
      list,
      none,
      form,
    ]);
    dialog.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') close();
    });
    root.replaceChildren(backdrop, dialog);
    panel = { root, list, none, errorText };
    render();
    name.focus();
  }

  function row(server) {
    const status = ['idle', 'connecting', 'connected', 'failed'].includes(server.status) ? server.status : 'idle';
    const own = server.source === 'user';
    const tools = Number(server.tools) || 0;
    const item = el('li', { class: 'mcp-server', 'data-testid': 'mcp-server', 'data-name': server.name, 'data-status': status, 'data-source': own ? 'user' : 'operator' }, [
      el('span', { class: 'mcp-dot ' + status, 'aria-hidden': 'true' }),
      el('span', { class: 'mcp-name', text: server.name }),
      el('span', { class: 'mcp-state', title: server.error || '', text: t('mcp.' + status) }),
      el('span', { class: 'mcp-tools', 'data-testid': 'mcp-server-tools', 'data-count': tools, text: t('mcp.tools', { count: tools }) }),
    ]);
    if (own) {
      const remove = el('button', { type: 'button', class: 'icon-btn', 'data-testid': 'mcp-server-remove', title: t('mcp.remove'), 'aria-label': t('mcp.remove'), html: closeIconHtml });
      remove.addEventListener('click', () => {
        save(load().filter((s) => s.name !== server.name));
        send({ type: 'mcp_remove', name: server.name });
      });
      item.appendChild(remove);
    }
    if (server.error) item.appendChild(el('span', { class: 'mcp-server-error', text: server.error }));
    return item;
  }

  function render() {
    if (!panel || !panel.root.isConnected) {
      panel = null;
      return;
    }
    panel.list.replaceChildren(...servers.map(row));
    panel.none.hidden = servers.length > 0;
    panel.errorText.hidden = !error;
    panel.errorText.textContent = error || '';
  }

  window.loquatMcp = (op) => {
    switch (op && op.op) {
      case 'connected':
        for (const server of load()) send(addEvent(server));
        break;
      case 'servers':
        try {
          listed(JSON.parse(op.servers));
        } catch {
          listed([]);
        }
        break;
      case 'refused':
        pending = null;
        error = op.message || '';
        render();
        break;
      case 'open':
        if (op.root) open(op.root, op.closeIcon);
        break;
    }
  };
})();

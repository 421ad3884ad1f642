// Loquat's copilot widget (served at <app>/copilot/index.js). A host page
// loads this small script; the chat itself is the app, loaded in a frame
// inside a shadow root only when the widget first opens: the same bundle,
// client and protocol as the app, none of the host page's CSS in it and
// none of its CSS out. See docs/embedding.md, "The copilot widget".
//
//   mountLoquatWidget({ server, accessToken, displayMode, opened, expanded,
//                       theme, language, showCot,
//                       button: { containerId, imageUrl, className } })
//   unmountLoquatWidget(), toggleLoquatCopilot(), sendLoquatMessage(text),
//   getLoquatCopilotThreadId(), clearLoquatCopilotThreadId()
//
// The app calls the page's functions (chat.call_fn) as `loquat-call-fn`
// events on window: event.detail = { name, args, respond(valueOrPromise) }.
(function () {
  "use strict";
  var script = document.currentScript;
  // The app's address: where this script came from, one folder up.
  var defaultServer = script ? new URL("..", script.src).href : "";
  var THREAD_KEY = "loquat-copilot-thread:";
  var widget = null;

  var CSS =
    ":host{all:initial}" +
    ".launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;width:56px;height:56px;" +
    "border:0;border-radius:50%;background:#b85a0c;color:#fff;cursor:pointer;padding:0;" +
    "box-shadow:0 4px 16px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center;" +
    "font:600 22px/1 system-ui,sans-serif}" +
    ".launcher.in-container{position:static}" +
    ".launcher img{width:100%;height:100%;border-radius:50%;object-fit:cover}" +
    ".panel{position:fixed;z-index:2147483000;background:#fff;overflow:hidden;display:none;" +
    "box-shadow:0 8px 32px rgba(0,0,0,.25)}" +
    ".panel.open{display:block}" +
    ".panel.floating{right:20px;bottom:88px;width:400px;height:600px;max-height:calc(100vh - 108px);" +
    "max-width:calc(100vw - 40px);border-radius:12px}" +
    ".panel.floating.expanded{width:720px;height:800px}" +
    ".panel.sidebar{top:0;right:0;bottom:0;width:420px;max-width:100vw}" +
    ".panel.sidebar.expanded{width:640px}" +
    "iframe{border:0;width:100%;height:100%;display:block}";

  function threadKey(server) {
    return THREAD_KEY + server;
  }

  function storedThread(server) {
    try {
      return window.localStorage.getItem(threadKey(server));
    } catch (e) {
      return null;
    }
  }

  function keepThread(server, id) {
    try {
      if (id) window.localStorage.setItem(threadKey(server), id);
      else window.localStorage.removeItem(threadKey(server));
    } catch (e) {
      // No storage: the thread is not kept across page loads.
    }
  }

  function frameSrc(w) {
    var thread = storedThread(w.server);
    var path = (thread ? "thread/" + encodeURIComponent(thread) : "") + "?copilot=1" + w.options;
    if (!w.accessToken) return w.server + path;
    // The token goes in the fragment (never sent to a server) of the
    // frame's own sign-in, which turns it into a sign-in of the frame's own.
    return (
      w.server +
      "auth/frame?next=" +
      encodeURIComponent("/" + path) +
      "#access_token=" +
      encodeURIComponent(w.accessToken)
    );
  }

  function post(w, message) {
    if (w.frame && w.frame.contentWindow) w.frame.contentWindow.postMessage(message, w.origin);
  }

  function callFn(w, data) {
    var answered = false;
    function answer(message) {
      message.type = "loquat:call-fn-result";
      message.id = data.id;
      post(w, message);
    }
    var detail = {
      name: data.name,
      args: data.args,
      respond: function (value) {
        if (answered) return;
        answered = true;
        Promise.resolve(value).then(
          function (ok) {
            answer({ ok: ok === undefined ? null : ok });
          },
          function (err) {
            answer({ error: String((err && err.message) || err) });
          }
        );
      },
    };
    window.dispatchEvent(new CustomEvent("loquat-call-fn", { detail: detail }));
    if (!answered) {
      answered = true;
      answer({ error: 'no handler on this page answered loquat-call-fn "' + data.name + '"' });
    }
  }

  function onMessage(event) {
    var w = widget;
    if (!w || !w.frame || event.source !== w.frame.contentWindow || event.origin !== w.origin) return;
    var data = event.data;
    if (!data || typeof data.type !== "string") return;
    if (data.type === "loquat:ready") {
      w.ready = true;
      w.queue.splice(0).forEach(function (content) {
        post(w, { type: "loquat:send", content: content });
      });
    } else if (data.type === "loquat:thread" && typeof data.id === "string") {
      keepThread(w.server, data.id);
    } else if (data.type === "loquat:call-fn" && typeof data.id === "string") {
      callFn(w, data);
    } else if (data.type === "loquat:token-request" && w.accessToken) {
      post(w, { type: "loquat:access-token", token: w.accessToken });
    }
  }

  function setOpen(w, open) {
    w.open = open;
    if (open && !w.frame) {
      // The app loads the first time the widget opens, not before.
      w.frame = document.createElement("iframe");
      w.frame.title = "Chat";
      w.frame.allow = "clipboard-write";
      w.frame.src = frameSrc(w);
      w.frame.setAttribute("data-testid", "copilot-frame");
      w.panel.appendChild(w.frame);
    }
    w.panel.classList.toggle("open", open);
    w.launcher.setAttribute("aria-expanded", String(open));
  }

  function launcher(w, options) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "launcher" + (options.className ? " " + options.className : "");
    button.setAttribute("aria-label", "Chat");
    button.setAttribute("data-testid", "copilot-button");
    if (options.imageUrl) {
      var img = document.createElement("img");
      img.src = options.imageUrl;
      img.alt = "";
      button.appendChild(img);
    } else {
      button.textContent = "\u{1F4AC}";
    }
    button.addEventListener("click", function () {
      setOpen(w, !w.open);
    });
    return button;
  }

  function shadowHost(parent) {
    var host = document.createElement("div");
    host.setAttribute("data-loquat-copilot", "");
    parent.appendChild(host);
    var root = host.attachShadow({ mode: "open" });
    var style = document.createElement("style");
    style.textContent = CSS;
    root.appendChild(style);
    return { host: host, root: root };
  }

  window.mountLoquatWidget = function (options) {
    options = options || {};
    if (widget) window.unmountLoquatWidget();
    var server = new URL(options.server || defaultServer, window.location.href).href;
    if (server.charAt(server.length - 1) !== "/") server += "/";
    // The page's options, in its address (see page_query.rs).
    var extra = "";
    if (options.theme === "light" || options.theme === "dark") extra += "&theme=" + options.theme;
    if (typeof options.language === "string") extra += "&lang=" + encodeURIComponent(options.language);
    if (options.showCot === false) extra += "&cot=hidden";
    var w = {
      options: extra,
      server: server,
      origin: new URL(server).origin,
      accessToken: options.accessToken || null,
      frame: null,
      open: false,
      ready: false,
      queue: [],
      hosts: [],
    };
    var main = shadowHost(document.body);
    w.hosts.push(main.host);
    w.panel = document.createElement("div");
    w.panel.className =
      "panel " + (options.displayMode === "sidebar" ? "sidebar" : "floating") + (options.expanded ? " expanded" : "");
    w.panel.setAttribute("data-testid", "copilot-panel");
    main.root.appendChild(w.panel);
    var buttonOptions = options.button || {};
    var container = buttonOptions.containerId && document.getElementById(buttonOptions.containerId);
    var place = main.root;
    if (container) {
      var inContainer = shadowHost(container);
      w.hosts.push(inContainer.host);
      place = inContainer.root;
    }
    w.launcher = launcher(w, buttonOptions);
    if (container) w.launcher.classList.add("in-container");
    place.appendChild(w.launcher);
    widget = w;
    window.addEventListener("message", onMessage);
    if (options.opened) setOpen(w, true);
  };

  window.unmountLoquatWidget = function () {
    if (!widget) return;
    window.removeEventListener("message", onMessage);
    widget.hosts.forEach(function (host) {
      host.remove();
    });
    widget = null;
  };

  window.toggleLoquatCopilot = function () {
    if (widget) setOpen(widget, !widget.open);
  };

  window.sendLoquatMessage = function (text) {
    if (!widget || typeof text !== "string" || !text.trim()) return;
    setOpen(widget, true);
    if (widget.ready) post(widget, { type: "loquat:send", content: text });
    else widget.queue.push(text);
  };

  // The mounted widget's app, else the one this script came from.
  function currentServer() {
    return widget ? widget.server : new URL(defaultServer, window.location.href).href;
  }

  window.getLoquatCopilotThreadId = function () {
    return storedThread(currentServer());
  };

  window.clearLoquatCopilotThreadId = function () {
    keepThread(currentServer(), null);
  };
})();

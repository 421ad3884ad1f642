// Loquat: signing in inside a frame of another site (served at
// /auth/frame.js; see frame_sign_in.rs). Two pages use it:
// - the frame's sign-in page (#loquat-frame) finds a token and posts it to
//   /auth/frame: from the frame's address (#access_token=...), kept from
//   before (sessionStorage), or from the host page (a window message from
//   one of the listed origins, from the parent window only); else its
//   button signs in in a popup;
// - the popup's last page (#loquat-handoff) posts the frame's token to the
//   window that opened it, at this app's own origin only, and closes.
(function () {
  "use strict";
  var KEY = "loquat.access-token";
  var TOKEN = "loquat:access-token";
  var MAX_TOKEN = 16384;

  function storage() {
    try {
      return window.sessionStorage;
    } catch (e) {
      return null;
    }
  }

  var handoff = document.getElementById("loquat-handoff");
  if (handoff) {
    var token = handoff.getAttribute("data-token");
    if (window.opener && token) {
      window.opener.postMessage({ type: TOKEN, token: token }, window.location.origin);
      window.close();
    }
    return;
  }

  var frame = document.getElementById("loquat-frame");
  if (!frame) {
    return;
  }
  var form = document.getElementById("loquat-frame-form");
  var origins = (frame.getAttribute("data-origins") || "").split(" ").filter(Boolean);
  var framed = window.parent !== window;
  var popup = null;
  var sent = false;

  function use(token) {
    if (sent || typeof token !== "string" || !token || token.length > MAX_TOKEN) {
      return;
    }
    sent = true;
    form.elements.token.value = token;
    form.submit();
  }

  if (frame.getAttribute("data-refused") === "true") {
    var refused = storage();
    if (refused) {
      refused.removeItem(KEY);
    }
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || data.type !== TOKEN) {
      return;
    }
    var fromPopup =
      popup !== null && event.source === popup && event.origin === window.location.origin;
    var fromHost =
      framed && event.source === window.parent && origins.indexOf(event.origin) >= 0;
    if (fromPopup || fromHost) {
      use(data.token);
    }
  });

  document.getElementById("loquat-frame-sign-in").addEventListener("click", function () {
    popup = window.open(frame.getAttribute("data-login"), "loquat-sign-in", "popup,width=480,height=640");
    document.getElementById("loquat-frame-blocked").hidden = Boolean(popup);
  });

  if (frame.getAttribute("data-auto") !== "true") {
    return;
  }
  var hash = /(?:^#|&)access_token=([^&]+)/.exec(window.location.hash);
  if (hash) {
    // Out of the address bar and the frame's history.
    history.replaceState(null, "", window.location.pathname + window.location.search);
    use(decodeURIComponent(hash[1]));
    return;
  }
  var store = storage();
  var kept = store && store.getItem(KEY);
  if (kept) {
    use(kept);
    return;
  }
  if (framed) {
    origins.forEach(function (origin) {
      window.parent.postMessage({ type: "loquat:token-request" }, origin);
    });
  }
})();

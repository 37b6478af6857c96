/* Post Mate · Connections page. Vanilla JS, no build step.

   The page talks only to this panel's /api/…, which adds the service token on
   the server. Polling a connect attempt is the source of truth; a note from the
   returning tab (BroadcastChannel from /returned, or postMessage from the
   gateway's callback page) only makes the next poll happen at once. */
(() => {
  "use strict";

  const CHANNEL = "postmate-connections";
  const STATUS_TEXT = {active: "Connected", needs_reauth: "Needs reconnecting", revoked: "Disconnected",
                       error: "Problem"};
  const EXTENSION_HINT = "The sign-in tab never came back to Post Mate, so nothing was connected. Browser " +
    "extensions (ad or privacy blockers) sometimes block that last step: pause them or use a private window, " +
    "then connect again.";
  const GRACE_MS = 30000;  // past an attempt's expiry, stop waiting for the gateway to say so

  const $ = (selector, root = document) => root.querySelector(selector);

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : value);
    }
    node.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
    return node;
  }

  async function api(method, path, data) {
    const options = {method, credentials: "same-origin", headers: {Accept: "application/json"}};
    if (method !== "GET") {  // the proxy takes unsafe requests only as JSON (its CSRF guard)
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(data || {});
    }
    let response;
    try {
      response = await fetch("/api" + path, options);
    } catch (error) {
      return {ok: false, status: 0, body: {error: "offline",
        message: "We can't reach Post Mate. Check your internet connection and try again."}};
    }
    let body = {};
    try { body = await response.json(); } catch (error) { /* 204 or not JSON */ }
    return {ok: response.ok, status: response.status, body: body || {},
            retryAfter: response.headers.get("Retry-After")};
  }

  if (document.body.dataset.page === "returned") return returnedPage();
  if (document.body.dataset.page !== "connections") return;

  /* ---- the tab that comes back from the platform ------------------------------------------- */

  function returnedPage() {
    const note = {type: "postmate:returned", attempt: new URLSearchParams(location.search).get("attempt")};
    try { new BroadcastChannel(CHANNEL).postMessage(note); } catch (error) { /* old browser: polling copes */ }
    try { if (window.opener) window.opener.postMessage(note, location.origin); } catch (error) { /* severed */ }
    setTimeout(() => window.close(), 800);  // closes only a tab the Connections page opened
  }

  /* ---- state ------------------------------------------------------------------------------- */

  const page = {
    pollMs: Number(document.body.dataset.pollMs) || 1000,
    gatewayOrigin: document.body.dataset.gatewayOrigin || "",
    networks: [],
    quota: null,
    connections: [],
    attempts: new Map(),  // status element id → the attempt it reports on
  };

  function announce(text) {
    const region = $("#announcer");
    region.textContent = "";
    setTimeout(() => { region.textContent = text; }, 50);  // re-announce even the same sentence
  }

  function setStatus(target, kind, ...content) {
    target.className = `status ${kind}`;
    target.replaceChildren(...content);
    target.hidden = content.length === 0;
  }

  function showPageError(message) {
    const box = $("#page-error");
    box.textContent = message || "";
    box.hidden = !message;
  }

  function networkById(id) {
    return page.networks.find((n) => n.id === id) ||
      {id, name: id.charAt(0).toUpperCase() + id.slice(1), auth_kind: id === "bluesky" ? "app_password" : "oauth"};
  }

  function clock(ms) {
    return new Date(ms).toLocaleTimeString([], {hour: "2-digit", minute: "2-digit"});
  }

  /* ---- loading ----------------------------------------------------------------------------- */

  async function loadNetworks() {
    const answer = await api("GET", "/networks");
    $("#networks").removeAttribute("aria-busy");
    if (!answer.ok) return showPageError(answer.body.message || "We can't load the networks right now.");
    page.networks = answer.body.networks || [];
    page.quota = answer.body.quota || null;
    renderQuota();
    renderLimit();
    renderNetworks();
  }

  async function loadConnections() {
    const answer = await api("GET", "/connections");
    $("#accounts").removeAttribute("aria-busy");
    if (!answer.ok) return showPageError(answer.body.message || "We can't load your connections right now.");
    page.connections = answer.body.connections || [];
    renderAccounts();
  }

  function refresh() {
    showPageError("");
    return Promise.all([loadNetworks(), loadConnections()]);
  }

  /* ---- plan and networks ------------------------------------------------------------------- */

  function renderQuota() {
    const box = $("#quota");
    const quota = page.quota;
    box.hidden = false;
    if (!quota) {
      box.textContent = "We can't check your plan right now.";
      return;
    }
    const plan = quota.plan ? quota.plan.charAt(0).toUpperCase() + quota.plan.slice(1) + " plan" : "Your plan";
    const used = quota.used ?? 0;
    box.textContent = quota.limit === null || quota.limit === undefined
      ? `${plan} · ${used} connected · no limit`
      : `${plan} · ${used} of ${quota.limit} accounts in use`;
  }

  function upgradeLink(upgrade) {
    const url = typeof upgrade === "string" ? upgrade : upgrade && (upgrade.url || upgrade.href);
    return /^(https?:\/\/|\/)/.test(url || "") ? url : "/upgrade";
  }

  function renderLimit() {
    const capped = page.networks.find((n) => n.reason === "plan_limit");
    $("#limit").hidden = !capped;
    if (!capped) return;
    $("#limit-message").textContent = capped.message || "You've reached your plan's account limit.";
    const upgrade = capped.upgrade || (page.quota && page.quota.upgrade);
    const link = $("#limit-upgrade");
    link.href = upgradeLink(upgrade);
    link.textContent = upgrade && upgrade.plan
      ? `Upgrade to ${upgrade.plan.charAt(0).toUpperCase()}${upgrade.plan.slice(1)}` : "Upgrade your plan";
  }

  function renderNetworks() {
    const list = $("#networks");
    for (const net of page.networks) {
      let card = document.getElementById(`net-${net.id}`);
      if (!card) {
        card = networkCard(net);
        list.append(card);
      }
      updateNetworkCard(card, net);
    }
  }

  function networkCard(net) {
    const id = `net-${net.id}`;
    const scopes = (net.scopes || []).map((s) => el("li", {}, el("code", {text: s.scope}), " — ", s.reason));
    return el("li", {class: "network", id, "data-network": net.id, "aria-labelledby": `${id}-name`},
      el("h3", {id: `${id}-name`, text: net.name}),
      el("p", {class: "kind muted",
               text: net.auth_kind === "app_password" ? "Connects with an app password" : `Sign in on ${net.name}`}),
      el("details", {class: "scopes"}, el("summary", {}, "What we ask for and why"), el("ul", {}, scopes)),
      net.note ? el("p", {class: "note", text: net.note}) : null,
      el("p", {class: "reason", id: `${id}-reason`, hidden: true}),
      el("button", {type: "button", class: "connect primary", "aria-describedby": `${id}-reason`,
                    onclick: (event) => onConnect(net.id, event.currentTarget)}, `Connect ${net.name}`),
      el("div", {class: "status", id: `${id}-status`, hidden: true}));
  }

  function updateNetworkCard(card, net) {
    const unavailable = net.available === false;
    const reason = $(".reason", card);
    card.classList.toggle("unavailable", unavailable);
    card.classList.toggle("uncertain", net.available === null);
    $(".connect", card).disabled = unavailable;
    reason.textContent = net.reason === "plan_limit"
      ? `Not available: plan limit reached (${net.used ?? "all"} of ${net.limit ?? "your"} accounts in use).`
      : net.message || "";
    reason.hidden = !reason.textContent;
  }

  /* ---- the user's accounts ----------------------------------------------------------------- */

  function renderAccounts() {
    const list = $("#accounts");
    const wanted = new Set(page.connections.map((c) => c.id));
    for (const item of [...list.children]) {
      if (wanted.has(item.dataset.connectionId)) continue;
      if (item.contains(document.activeElement)) $("#accounts-title").focus();
      item.remove();
    }
    page.connections.forEach((connection, index) => {
      let item = list.querySelector(`[data-connection-id="${CSS.escape(connection.id)}"]`);
      if (!item) item = accountItem(connection);
      updateAccount(item, connection);
      if (list.children[index] !== item) list.insertBefore(item, list.children[index] || null);
    });
    $("#accounts-empty").hidden = page.connections.length > 0;
  }

  function who(connection) {
    return connection.handle || connection.display_name || connection.provider_account_id || "";
  }

  function actionButton(label, context, handler, kind = "") {
    return el("button", {type: "button", class: kind, onclick: (event) => handler(event.currentTarget)},
      label, el("span", {class: "visually-hidden", text: ` ${context}`}));
  }

  function accountItem(connection) {
    const id = `acct-${connection.id}`;
    const context = `${networkById(connection.network).name} ${who(connection)}`;
    const find = () => page.connections.find((c) => c.id === connection.id) || connection;
    return el("li", {class: "account", "data-connection-id": connection.id, "data-network": connection.network,
                     "aria-labelledby": `${id}-title`},
      el("div", {class: "who"},
        el("h3", {id: `${id}-title`},
          el("span", {class: "net", text: networkById(connection.network).name}), " ",
          el("span", {class: "handle", text: who(connection)})),
        el("p", {class: "display-name muted", hidden: true})),
      el("p", {class: "badge"}),
      el("p", {class: "attention", hidden: true}),
      el("div", {class: "actions"},
        actionButton("Reconnect", context, (button) => onReconnect(find(), button), "reconnect"),
        actionButton("Check connection", context, (button) => onCheck(find(), button), "check"),
        actionButton("Disconnect", context, (button) => onDisconnect(find(), button), "disconnect danger")),
      el("div", {class: "status", id: `${id}-status`, hidden: true}));
  }

  function updateAccount(item, connection) {
    const status = connection.status || "active";
    const badge = $(".badge", item);
    badge.className = `badge status-${status}`;
    badge.textContent = STATUS_TEXT[status] || status;
    const name = $(".display-name", item);
    name.textContent = connection.display_name && connection.display_name !== connection.handle
      ? connection.display_name : "";
    name.hidden = !name.textContent;
    const attention = $(".attention", item);
    attention.textContent = connection.status_message ||
      (status === "needs_reauth" ? "Reconnect to keep publishing to this account." : "");
    attention.hidden = !attention.textContent;
    item.classList.toggle("needs-attention", status !== "active");
    $(".reconnect", item).classList.toggle("primary", status === "needs_reauth");
  }

  function mergeConnections(made) {
    for (const connection of made) {
      const at = page.connections.findIndex((c) => c.id === connection.id);
      if (at >= 0) page.connections[at] = {...page.connections[at], ...connection};
      else page.connections.push(connection);
    }
    renderAccounts();
  }

  /* ---- connecting with OAuth: new tab, then poll the attempt ---------------------------------- */

  function onConnect(networkId, trigger) {
    const net = networkById(networkId);
    if (net.auth_kind === "app_password") return openBluesky(trigger);
    if (networkId === "mastodon") return openDialog($("#mastodon-dialog"), trigger, "#mastodon-instance");
    // window.open must run in the click itself, or the browser blocks it; the URL comes a moment later.
    startAttempt(net, openTab(net), {}, document.getElementById(`net-${net.id}-status`));
  }

  function onReconnect(connection, trigger) {
    const net = networkById(connection.network);
    if (net.auth_kind === "app_password") return openBluesky(trigger, connection);
    startAttempt(net, openTab(net), {reconnect: connection.id},
                 document.getElementById(`acct-${connection.id}-status`));
  }

  function openTab(net) {
    // Opened blank from the click (no popup blocker), pointed at the platform once the gateway answers.
    // The opener link lets the gateway's page postMessage back; a Mastodon server is whatever the user
    // typed, so its tab gets none (it could otherwise navigate this page: reverse tabnabbing).
    const tab = window.open("", "_blank");
    if (tab) {
      try {
        tab.document.title = `Opening ${net.name}…`;
        tab.document.body.textContent = `Opening ${net.name}'s sign-in page…`;
        if (net.id === "mastodon") tab.opener = null;
      } catch (error) { /* nothing to decorate */ }
    }
    return tab;
  }

  async function startAttempt(net, tab, body, statusBox, errorSink) {
    setStatus(statusBox, "busy", `Opening ${net.name}…`);
    const answer = await api("POST", `/connections/${encodeURIComponent(net.id)}/attempts`, body);
    const url = answer.ok ? String(answer.body.start_url || "") : "";
    if (!answer.ok || !/^https?:\/\//.test(url)) {
      if (tab) tab.close();
      const message = answer.body.message || `We couldn't start connecting ${net.name}. Please try again.`;
      if (errorSink) {
        setStatus(statusBox, "");
        errorSink(message);
      } else {
        setStatus(statusBox, "error", message);
        announce(message);
      }
      if (answer.body.error === "plan_limit") loadNetworks();
      return false;
    }
    if (tab && !tab.closed) {
      tab.location.href = url;
      setStatus(statusBox, "busy", `Waiting for you to approve on ${net.name} in the new tab…`);
      announce(`${net.name}'s sign-in page opened in a new tab. Approve there, then come back here.`);
    } else {
      setStatus(statusBox, "busy", "Your browser didn't open a new tab. ",
        el("a", {href: url, target: "_blank", text: `Open ${net.name}'s sign-in page`}));
      announce(`Your browser didn't open a new tab. Use the link to open ${net.name}'s sign-in page.`);
    }
    track({id: answer.body.attempt_id, net, tab, statusBox, reconnect: body.reconnect,
           expiresAt: Date.parse(answer.body.expires_at) || Date.now() + 15 * 60000});
    return true;
  }

  function track(attempt) {
    const earlier = page.attempts.get(attempt.statusBox.id);
    if (earlier) clearTimeout(earlier.timer);
    page.attempts.set(attempt.statusBox.id, attempt);
    schedule(attempt, page.pollMs);
  }

  function isCurrent(attempt) {
    return page.attempts.get(attempt.statusBox.id) === attempt;
  }

  function schedule(attempt, delay) {
    clearTimeout(attempt.timer);
    attempt.timer = setTimeout(() => poll(attempt), delay);
  }

  function pollAllNow() {
    for (const attempt of page.attempts.values()) if (!attempt.paused) schedule(attempt, 0);
  }

  async function poll(attempt) {
    if (!isCurrent(attempt) || attempt.polling) return;
    attempt.polling = true;
    const answer = await api("GET", `/attempts/${encodeURIComponent(attempt.id)}`);
    attempt.polling = false;
    if (!isCurrent(attempt) || attempt.paused) return;
    if (!answer.ok) return pollFailed(attempt, answer);
    const view = answer.body;
    const failure = (view.failure && view.failure.message) || "";
    if (view.status === "connected") return connected(attempt, view);
    if (view.status === "failed") return finish(attempt, "error", failure || `${attempt.net.name} wasn't connected.`);
    if (view.status === "expired") return finish(attempt, "warn", failure || EXTENSION_HINT);
    if (view.status === "choose_pages") return choosePages(attempt, view.pages || []);
    if (Date.now() > attempt.expiresAt + GRACE_MS) return finish(attempt, "warn", EXTENSION_HINT);
    notePending(attempt);
    schedule(attempt, page.pollMs);
  }

  function pollFailed(attempt, answer) {
    if (answer.status === 0 || answer.status >= 500) {  // a blip: keep asking, a little slower
      if (Date.now() > attempt.expiresAt + GRACE_MS) return finish(attempt, "warn", EXTENSION_HINT);
      return schedule(attempt, Math.min(page.pollMs * 5, 10000));
    }
    finish(attempt, "error", answer.body.message || `We lost track of connecting ${attempt.net.name}. ` +
                                                  "Please connect again.");
  }

  function notePending(attempt) {
    if (attempt.tabClosedNoted || !attempt.tab || !attempt.tab.closed) return;
    attempt.tabClosedNoted = true;  // "closed" can also mean the platform cut the link to its tab: stay neutral
    setStatus(attempt.statusBox, "busy", `Still waiting for ${attempt.net.name}. If you closed its tab without ` +
              `approving, connect again; this attempt ends at ${clock(attempt.expiresAt)}.`);
  }

  function stopTracking(attempt) {
    clearTimeout(attempt.timer);
    if (isCurrent(attempt)) page.attempts.delete(attempt.statusBox.id);
  }

  function finish(attempt, kind, message) {
    stopTracking(attempt);
    setStatus(attempt.statusBox, kind, message);
    announce(message);
  }

  function connected(attempt, view) {
    stopTracking(attempt);
    try { if (attempt.tab && !attempt.tab.closed) attempt.tab.close(); } catch (error) { /* already gone */ }
    const made = view.connections || (view.connection ? [view.connection] : []);
    mergeConnections(made);
    const names = made.map(who).filter(Boolean).join(", ");
    const message = `${attempt.reconnect ? "Reconnected" : "Connected"} ${attempt.net.name}` +
                    (names ? ` account ${names}.` : ".");
    setStatus(attempt.statusBox, "ok", message);
    announce(message);
    refresh();
  }

  /* ---- Facebook: several Pages granted, the user picks ---------------------------------------- */

  function choosePages(attempt, pages) {
    attempt.paused = true;
    const dialog = $("#pages-dialog");
    dialog.attempt = attempt;
    $("#pages-options").replaceChildren(...pages.map((p, i) => el("div", {class: "check"},
      el("input", {type: "checkbox", id: `page-${i}`, name: "page", value: p.id}),
      el("label", {for: `page-${i}`, text: p.name || p.id}))));
    setStatus(attempt.statusBox, "busy", `Choose which ${attempt.net.name} Pages to connect. `,
      el("button", {type: "button", onclick: (e) => openDialog(dialog, e.currentTarget, "input")}, "Choose Pages"));
    openDialog(dialog, document.getElementById(`net-${attempt.net.id}`)?.querySelector(".connect"), "input");
  }

  async function submitPages(event) {
    event.preventDefault();
    const dialog = $("#pages-dialog");
    const attempt = dialog.attempt;
    const chosen = [...dialog.querySelectorAll("input[name=page]:checked")].map((box) => box.value);
    if (!chosen.length) return dialogError(dialog, "Choose at least one Page.");
    const answer = await busy(event.submitter, "Connecting…",
      () => api("POST", `/attempts/${encodeURIComponent(attempt.id)}/pages`, {page_ids: chosen}));
    if (!answer.ok) return dialogError(dialog, answer.body.message || "Those Pages couldn't be connected.");
    dialog.close();
    attempt.paused = false;
    if (answer.body.status === "connected" || answer.body.connections) return connected(attempt, answer.body);
    schedule(attempt, 0);
  }

  /* ---- dialogs ----------------------------------------------------------------------------- */

  function openDialog(dialog, trigger, focusSelector) {
    dialog.returnFocusTo = trigger || document.activeElement;
    dialogError(dialog, "");
    dialog.showModal();
    const target = focusSelector && $(focusSelector, dialog);
    if (target) target.focus();
  }

  function dialogError(dialog, message) {
    const box = $(".error", dialog);
    box.textContent = message;
    box.hidden = !message;
  }

  function setupDialogs() {
    for (const dialog of document.querySelectorAll("dialog")) {
      dialog.addEventListener("close", () => {  // Escape, Cancel or done: focus goes back where it came from
        const back = dialog.returnFocusTo;
        dialog.returnFocusTo = null;
        if (back && back.isConnected && !back.disabled) back.focus();
        else $("#accounts-title").focus();
      });
      for (const button of dialog.querySelectorAll("[data-close]")) {
        button.addEventListener("click", () => dialog.close());
      }
    }
  }

  async function busy(button, label, work) {
    const text = button ? button.textContent : "";
    if (button) { button.disabled = true; button.textContent = label; }
    try { return await work(); } finally {
      if (button) { button.disabled = false; button.textContent = text; }
    }
  }

  function submitMastodon(event) {
    event.preventDefault();
    const dialog = $("#mastodon-dialog");
    const instance = $("#mastodon-instance").value.trim();
    if (!instance) return dialogError(dialog, "Name your Mastodon server, for example mastodon.social.");
    const net = networkById("mastodon");
    const tab = openTab(net);  // still inside the submit's user gesture
    startAttempt(net, tab, {instance}, document.getElementById("net-mastodon-status"),
                 (message) => dialogError(dialog, message)).then((ok) => { if (ok) dialog.close(); });
  }

  /* ---- Bluesky: app password ----------------------------------------------------------------- */

  function openBluesky(trigger, reconnecting) {
    const dialog = $("#bluesky-dialog");
    $("#bluesky-form").reset();
    dialog.reconnect = reconnecting ? reconnecting.id : null;  // the gateway checks it is the same account
    if (reconnecting) $("#bluesky-handle").value = (reconnecting.handle || "").replace(/^@/, "");
    openDialog(dialog, trigger, reconnecting ? "#bluesky-password" : "#bluesky-handle");
  }

  async function submitBluesky(event) {
    event.preventDefault();
    const dialog = $("#bluesky-dialog");
    const handle = $("#bluesky-handle").value.trim().replace(/^@/, "");
    const password = $("#bluesky-password");
    const service = $("#bluesky-service").value.trim();
    if (!handle) return fieldError(dialog, "#bluesky-handle", "Type your Bluesky handle, like you.bsky.social.");
    if (!password.value.trim()) return fieldError(dialog, "#bluesky-password", "Paste the app password you made.");
    const body = {handle, app_password: password.value.trim(), ...(service ? {service} : {}),
                  ...(dialog.reconnect ? {reconnect: dialog.reconnect} : {})};
    const answer = await busy(event.submitter || $("button[type=submit]", dialog), "Connecting…",
                              () => api("POST", "/connections/bluesky", body));
    if (!answer.ok) return blueskyRefused(dialog, answer);
    password.value = "";
    const returnTo = dialog.returnFocusTo;
    dialog.close();
    const made = answer.body.connections || (answer.body.connection ? [answer.body.connection]
      : answer.body.id ? [answer.body] : []);
    mergeConnections(made);
    const message = `${body.reconnect ? "Reconnected" : "Connected"} Bluesky account ` +
                    `${made.map(who).filter(Boolean).join(", ") || handle}.` +
                    (answer.body.notice ? ` ${answer.body.notice}` : "");
    const box = returnTo && returnTo.closest(".account") ? $(".status", returnTo.closest(".account"))
      : document.getElementById("net-bluesky-status");
    if (box) setStatus(box, "ok", message);
    announce(message);
    refresh();
  }

  function blueskyRefused(dialog, answer) {
    let message = answer.body.message || "Bluesky didn't accept that. Check the handle and app password.";
    if (answer.status === 429 && answer.retryAfter && !answer.body.message) {
      message = `Too many tries. Please wait ${answer.retryAfter} seconds and try again.`;
    }
    $("#bluesky-password").value = "";  // it may have been the main password: don't keep it on screen
    const code = answer.body.error || "";
    const field = /handle/i.test(code) ? "#bluesky-handle" : /service|pds/i.test(code) ? "#bluesky-service"
      : "#bluesky-password";
    if (field === "#bluesky-service") $("#bluesky-dialog details").open = true;
    fieldError(dialog, field, message);
  }

  function fieldError(dialog, selector, message) {
    dialogError(dialog, message);
    if (selector) $(selector, dialog).focus();
  }

  /* ---- disconnect and check ------------------------------------------------------------------ */

  function onDisconnect(connection, trigger) {
    const dialog = $("#disconnect-dialog");
    dialog.connection = connection;
    $("#disconnect-title").textContent = `Disconnect ${networkById(connection.network).name} ${who(connection)}?`;
    openDialog(dialog, trigger, "[data-close]");
  }

  async function submitDisconnect(event) {
    event.preventDefault();
    const dialog = $("#disconnect-dialog");
    const connection = dialog.connection;
    const answer = await busy(event.submitter || $("button[type=submit]", dialog), "Disconnecting…",
      () => api("DELETE", `/connections/${encodeURIComponent(connection.id)}`));
    if (!answer.ok) return dialogError(dialog, answer.body.message || "We couldn't disconnect it. Please try again.");
    dialog.returnFocusTo = $("#accounts-title");
    dialog.close();
    page.connections = page.connections.filter((c) => c.id !== connection.id);
    renderAccounts();
    // The gateway's sentence says how to finish on platforms that can't take access back themselves.
    const more = (answer.body.message || "").replace(/^Disconnected\.\s*/, "");
    announce(`Disconnected ${networkById(connection.network).name} ${who(connection)}. ${more}`.trim());
    refresh();
  }

  async function onCheck(connection, button) {
    const box = document.getElementById(`acct-${connection.id}-status`);
    setStatus(box, "busy", "Checking with the platform…");
    const answer = await busy(button, "Checking…",
      () => api("POST", `/connections/${encodeURIComponent(connection.id)}/check`));
    if (!answer.ok) {
      const message = answer.body.message || "We couldn't check this connection. Please try again.";
      setStatus(box, "error", message);
      return announce(message);
    }
    const status = answer.body.status || (answer.body.connection && answer.body.connection.status) || "active";
    const detail = answer.body.status_message || answer.body.message || "";
    const message = `${STATUS_TEXT[status] || status}${detail ? `: ${detail}` : "."}`;
    setStatus(box, status === "active" ? "ok" : "warn", message);
    announce(`${networkById(connection.network).name} ${who(connection)}: ${message}`);
    loadConnections();
  }

  /* ---- a network we don't support ------------------------------------------------------------ */

  async function submitMissing(event) {
    event.preventDefault();
    const input = $("#missing-name");
    const result = $("#missing-result");
    if (!input.value.trim()) {
      result.textContent = "Type the network's name, for example Reddit.";
      return input.focus();
    }
    const answer = await busy(event.submitter, "Sending…",
      () => api("POST", "/network-requests", {name: input.value}));
    result.textContent = answer.body.message || "We couldn't send that. Please try again.";
    if (answer.ok) input.value = "";
  }

  /* ---- the returning tab: a hint to poll now --------------------------------------------------- */

  function listenForReturns() {
    try { new BroadcastChannel(CHANNEL).onmessage = () => pollAllNow(); } catch (error) { /* polling copes */ }
    window.addEventListener("message", (event) => {
      if (event.origin === location.origin || (page.gatewayOrigin && event.origin === page.gatewayOrigin)) {
        pollAllNow();
      }
    });
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") { pollAllNow(); refresh(); }  // e.g. back from upgrading
    });
  }

  setupDialogs();
  listenForReturns();
  $("#mastodon-form").addEventListener("submit", submitMastodon);
  $("#bluesky-form").addEventListener("submit", submitBluesky);
  $("#pages-form").addEventListener("submit", submitPages);
  $("#disconnect-form").addEventListener("submit", submitDisconnect);
  $("#missing-form").addEventListener("submit", submitMissing);
  refresh();
})();

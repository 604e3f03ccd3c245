// aigchip chat page: plain JS, no build step. Untrusted text only ever goes through textContent.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const LONG = 1500; // characters of a message shown before "show all"
  const KEYWORDS = new Set(("module endmodule input output inout wire reg logic integer genvar parameter localparam " +
    "assign always always_ff always_comb always_latch initial begin end if else case casez casex endcase default " +
    "for while repeat forever generate endgenerate function endfunction task endtask posedge negedge or and not " +
    "signed unsigned typedef enum struct packed").split(" "));
  const TOKEN = /(\/\/[^\n]*|\/\*[\s\S]*?\*\/)|("(?:[^"\\\n]|\\.)*")|(\b\d*'[sS]?[bBoOdDhH][0-9a-fA-F_xXzZ?]+|\b\d[\d_]*(?:\.\d+)?\b)|([`$]?[A-Za-z_][\w$]*)/g;

  let sessionId = new URLSearchParams(location.search).get("session");
  let source = null;
  let lastSeq = 0;
  let wasBusy = false;

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  async function api(method, path, body) {
    const options = { method, headers: { Accept: "application/json" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(path, options);
    let data = null;
    try { data = await response.json(); } catch (_) { data = null; }
    if (!response.ok) throw new Error((data && data.error) || `${response.status} ${response.statusText}`);
    return data;
  }

  const base = () => `/api/sessions/${encodeURIComponent(sessionId)}`;
  function showError(message) { $("error").textContent = message || ""; }

  // -- sessions ---------------------------------------------------------------------------------------
  async function loadSessions() {
    let list = [];
    try { list = await api("GET", "/api/sessions"); } catch (err) { showError(err.message); return; }
    const picker = $("sessions");
    picker.replaceChildren(el("option", null, "(new session)"));
    picker.firstChild.value = "";
    for (const s of list) {
      const option = el("option", null, `${(s.title || s.id).slice(0, 60)} — ${s.status || "no design"}`);
      option.value = s.id;
      picker.appendChild(option);
    }
    picker.value = sessionId || "";
  }

  function openSession(id, view) {
    sessionId = id;
    history.replaceState(null, "", id ? `?session=${encodeURIComponent(id)}` : location.pathname);
    lastSeq = 0;
    wasBusy = false;
    notes.length = 0;
    $("progress").textContent = "";
    if (source) { source.close(); source = null; }
    if (!id) { render(null); return Promise.resolve(); }
    if (view) render(view);
    else api("GET", base()).then(render).catch((err) => { showError(err.message); });
    source = new EventSource(`${base()}/events`);
    const watching = source;
    source.addEventListener("open", () => { lastSeq = 0; });
    source.addEventListener("state", (e) => render(JSON.parse(e.data)));
    source.addEventListener("progress", (e) => { const t = JSON.parse(e.data).text; addProgress(t); followAccel(t); });
    source.addEventListener("token", (e) => addReply(JSON.parse(e.data).text));
    source.addEventListener("error", (e) => { if (e.data) showError(JSON.parse(e.data).message); });
    return new Promise((resolve) => { // settles once the stream is live (or after 3 s), so no progress is missed
      watching.addEventListener("state", resolve, { once: true });
      setTimeout(resolve, 3000);
    });
  }

  async function ensureSession() {
    if (!sessionId) {
      const view = await api("POST", "/api/sessions", {});
      const live = openSession(view.id, view);
      loadSessions();
      await live;
    }
    return sessionId;
  }

  // -- actions ----------------------------------------------------------------------------------------
  async function send() {
    const box = $("message");
    const text = box.value;
    if (!text.trim()) return;
    $("send").disabled = true;
    try {
      await ensureSession();
      if (text.trim().startsWith("/")) { // a command, read by the same table as the terminal's
        const answer = await api("POST", `${base()}/commands`, { line: text.trim() });
        if (answer && answer.output !== undefined) addNote(text.trim(), answer.output);
      } else {
        await api("POST", `${base()}/messages`, { text });
      }
      if (box.value === text) box.value = ""; // cleared only once the server has it
      showError("");
    } catch (err) {
      showError(`not sent: ${err.message}`);
    } finally {
      $("send").disabled = false;
    }
  }

  async function command(name, args, files) {
    if (!sessionId) { showError("start by describing the block you want"); return; }
    try {
      const body = { command: name };
      if (args) body.args = args;
      if (files) body.files = files;
      await api("POST", `${base()}/commands`, body);
      showError("");
    } catch (err) { showError(`/${name}: ${err.message}`); }
  }

  const notes = []; // what read-only commands typed here answered: shown after the turns, on this page only
  function addNote(line, output) {
    notes.push({ line, output });
    const box = $("turns");
    box.appendChild(noteNode(line, output));
    box.scrollTop = box.scrollHeight;
  }
  function noteNode(line, output) {
    const node = el("div", "turn note");
    node.appendChild(el("p", "who", "you"));
    node.appendChild(el("div", "you command", line));
    node.appendChild(el("pre", "agent output", output));
    return node;
  }

  async function upload(file) {
    try {
      if (file.size > 1024 * 1024) throw new Error(`${file.name} is over 1 MB`);
      const content = await file.text();
      await ensureSession();
      await api("POST", `${base()}/commands`, { command: "test add", files: { [file.name]: content } });
      showError("");
    } catch (err) { showError(`test not added: ${err.message}`); }
  }

  async function uploadDesign(files) {
    try {
      const design = {};
      for (const file of files) {
        if (file.size > 1024 * 1024) throw new Error(`${file.name} is over 1 MB`);
        design[file.name] = await file.text();
      }
      await ensureSession();
      await api("POST", `${base()}/commands`, { command: "load", files: design });
      showError("");
    } catch (err) { showError(`design not loaded: ${err.message}`); }
  }

  function addReply(text) { // the model's reply as it streams in
    const box = $("reply");
    box.hidden = false;
    box.textContent += text;
    box.scrollTop = box.scrollHeight;
  }

  let busySince = null;
  function tick() {
    if (busySince === null) { $("elapsed").textContent = ""; return; }
    const seconds = Math.max(0, Math.floor(Date.now() / 1000 - busySince));
    $("elapsed").textContent = seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  }
  setInterval(tick, 1000);

  function addProgress(text) {
    if (text.startsWith("asking ")) $("reply").textContent = ""; // a new request: a new reply
    $("working-text").textContent = text.length > 80 ? text.slice(0, 80) + "…" : text;
    const box = $("progress");
    box.hidden = false;
    box.textContent += (box.textContent ? "\n" : "") + text;
    box.scrollTop = box.scrollHeight;
  }

  // -- rendering --------------------------------------------------------------------------------------
  function highlight(target, code) {
    let at = 0;
    for (const m of code.matchAll(TOKEN)) {
      if (m.index > at) target.appendChild(document.createTextNode(code.slice(at, m.index)));
      let cls = m[1] ? "com" : m[2] ? "str" : m[3] ? "num" : KEYWORDS.has(m[4]) ? "kw" : null;
      target.appendChild(cls ? el("span", cls, m[0]) : document.createTextNode(m[0]));
      at = m.index + m[0].length;
    }
    if (at < code.length) target.appendChild(document.createTextNode(code.slice(at)));
  }

  function messageNode(text, cls) {
    const node = el("div", cls);
    if (text.length <= LONG) { node.textContent = text; return node; }
    node.appendChild(document.createTextNode(text.slice(0, LONG) + "…"));
    const more = el("details");
    more.appendChild(el("summary", null, `show all (${text.length} characters)`));
    more.appendChild(el("div", null, text));
    node.appendChild(more);
    return node;
  }

  function turnNode(kind, text, state, answer, passed = true) {
    const node = el("div", "turn");
    node.dataset.state = state;
    node.dataset.kind = kind;
    const command = !["spec", "refine", "message"].includes(kind);
    node.appendChild(el("p", "who", "you"));
    node.appendChild(messageNode(text, command ? "you command" : "you"));
    const said = state === "pending" ? "working…" : state === "queued" ? "queued: waiting for the turn before it" : answer;
    node.appendChild(el("div", `agent ${state}${passed ? "" : " not-pass"}`, said || state));
    return node;
  }

  function renderTurns(view) {
    const box = $("turns");
    const atEnd = box.scrollHeight - box.scrollTop - box.clientHeight < 60;
    const hint = $("empty-hint");
    box.replaceChildren(hint);
    hint.hidden = !!(view && (view.turns.length || view.waiting.length));
    if (!view) return;
    const status = new Map(view.versions.map((v) => [v.number, v.status]));
    for (const t of view.turns) {
      const passed = t.version === null || status.get(t.version) === "pass";
      box.appendChild(turnNode(t.kind, t.text, t.state, t.answer, passed));
    }
    for (const w of view.waiting) box.appendChild(turnNode(w.kind, w.text, "queued", ""));
    for (const n of notes) box.appendChild(noteNode(n.line, n.output));
    if (atEnd) box.scrollTop = box.scrollHeight;
  }

  function renderDesign(view) {
    const current = view && view.current;
    const verdict = $("verdict");
    verdict.className = "verdict " + (!current ? "none" : current.stale ? "stale"
      : current.status !== "pass" ? "fail" : current.tests_total || current.checks.some((c) => c === "cocotb" || c === "testbench")
      ? "pass" : "untested");
    verdict.textContent = current ? `v${current.number}: ${current.label}` : "no design yet";
    $("assumptions").textContent = current && current.assumptions ? current.assumptions : "";
    $("assumptions").hidden = !(current && current.assumptions);
    const madeBy = current && view.turns.find((t) => t.number === current.turn);
    // after a change the model made (or you loaded), what changed comes first
    $("right").classList.toggle("diff-first", !!(view && view.diff && madeBy && ["refine", "edit"].includes(madeBy.kind)));
    $("code-version").textContent = current ? `v${current.number}` : "";
    const code = $("code");
    code.replaceChildren();
    if (current) {
      for (const [name, text] of Object.entries(current.files)) {
        if (Object.keys(current.files).length > 1) code.appendChild(el("span", "file-name", `// ${name}\n`));
        highlight(code, text.endsWith("\n") ? text : text + "\n");
      }
    }
    const results = current && current.tests_total !== null && current.tests_total !== undefined
      ? `${current.tests_total - (current.tests_failed || 0)} of ${current.tests_total} passed` : "";
    $("test-results").textContent = results;
    const tests = $("tests");
    tests.replaceChildren();
    for (const t of (view ? view.tests : [])) {
      const item = el("details");
      item.appendChild(el("summary", null, t.name));
      item.appendChild(el("pre", "code", t.text));
      tests.appendChild(item);
    }
    if (view && !view.tests.length) tests.appendChild(el("p", "muted", "no tests yet: add a cocotb file or Write tests"));
    const rows = $("diagnostics").tBodies[0];
    rows.replaceChildren();
    for (const d of (current ? current.diagnostics : [])) {
      const row = el("tr");
      row.appendChild(el("td", d.severity, d.severity));
      row.appendChild(el("td", null, d.file ? `${d.file}${d.line ? ":" + d.line : ""}` : ""));
      row.appendChild(el("td", null, d.message));
      rows.appendChild(row);
    }
    $("log").textContent = current ? current.log : "";
    $("log-box").hidden = !(current && current.log);
    const diff = $("diff");
    diff.replaceChildren();
    for (const line of (view ? view.diff : "").split("\n")) {
      if (!line) continue;
      const cls = line.startsWith("+++") || line.startsWith("---") ? "hunk" : line.startsWith("@@") ? "hunk"
        : line.startsWith("+") ? "add" : line.startsWith("-") ? "del" : null;
      diff.appendChild(cls ? el("span", cls, line + "\n") : document.createTextNode(line + "\n"));
    }
    renderWaves(view);
    const link = $("download");
    link.hidden = !(view && view.download_url);
    if (view && view.download_url) link.href = view.download_url;
    const versions = $("versions");
    versions.replaceChildren();
    for (const v of (view ? view.versions : [])) {
      const item = el("li", current && v.number === current.number ? "current" : null);
      item.appendChild(el("span", v.stale ? "st-stale" : v.status === "pass" ? "st-pass" : "st-fail", v.label));
      item.appendChild(el("span", "muted", `  (turn ${v.turn})`));
      if (!current || v.number !== current.number) {
        const use = el("button", "use", "use");
        use.type = "button";
        use.dataset.testid = `use-${v.number}`;
        use.addEventListener("click", () => command("use", [String(v.number)]));
        item.appendChild(use);
      }
      item.value = v.number;
      versions.appendChild(item);
    }
  }

  // -- the waveform: the first view comes with the session's view; zoom, pan and internals ask the server ----
  const waves = { key: null, span: null, internals: false, view: null, asked: null };

  function waveCaption(w) {
    if (!w) return "";
    const cycles = w.first_cycle !== null && w.first_cycle !== undefined ? ` · cycles ${w.first_cycle}–${w.last_cycle}` : "";
    const more = w.hidden ? ` (${w.hidden} more: internals)` : "";
    return `${w.start_text} – ${w.end_text}${cycles} · ${w.rows.length} signals${more}`;
  }

  function showPicture(url) {
    const img = $("waves-img");
    if (url) {
      if (img.getAttribute("src") !== url) img.src = url;
      img.hidden = false;
    } else {
      img.hidden = true;
      img.removeAttribute("src");
    }
  }

  function renderWaves(view) {
    waves.view = view;
    const has = !!(view && view.current && view.waves);
    $("waves-tools").hidden = !has;
    const key = has ? `${view.current.number}|${view.picture_url}` : null;
    if (key !== waves.key) { waves.key = key; waves.span = null; }
    if (waves.span) return; // the person zoomed or panned: keep their view until the version changes
    if (has && waves.internals) { if (waves.asked !== key) { waves.asked = key; loadWaves({}); } return; }
    showPicture(view && view.picture_url);
    $("waves-table").textContent = view ? view.waves_table : "";
    $("waves-span").textContent = has ? waveCaption(view.waves) : "";
    $("waves-span").dataset.start = has ? view.waves.start : "";
    $("waves-span").dataset.end = has ? view.waves.end : "";
    if (has) { $("waves-vcd").href = view.vcd_url; $("waves-gtkw").href = view.gtkw_url; }
  }

  async function loadWaves(span) {
    if (!sessionId) return;
    const query = new URLSearchParams();
    if (span.start !== undefined) query.set("start", String(Math.round(span.start)));
    if (span.end !== undefined) query.set("end", String(Math.round(span.end)));
    if (waves.internals) query.set("internals", "1");
    try {
      const data = await api("GET", `${base()}/waves?${query}`);
      waves.span = data.window;
      showPicture(data.picture_url);
      $("waves-table").textContent = data.table;
      $("waves-span").textContent = waveCaption(data.window);
      $("waves-span").dataset.start = data.window.start;
      $("waves-span").dataset.end = data.window.end;
      $("waves-vcd").href = data.vcd_url;
      $("waves-gtkw").href = data.gtkw_url;
      showError("");
    } catch (err) { showError(`waveform: ${err.message}`); }
  }

  function currentSpan() {
    return waves.span || (waves.view && waves.view.waves) || null;
  }

  function zoom(factor) {
    const w = currentSpan();
    if (!w) return;
    const mid = w.focus !== null && w.focus >= w.start && w.focus <= w.end ? w.focus : (w.start + w.end) / 2;
    const half = Math.max(1, (w.end - w.start) * factor / 2);
    const start = Math.max(0, mid - half);
    loadWaves({ start, end: start + 2 * half });
  }

  function pan(direction) {
    const w = currentSpan();
    if (!w) return;
    const step = (w.end - w.start) / 2 * direction;
    const start = Math.max(0, w.start + step);
    loadWaves({ start, end: start + (w.end - w.start) });
  }

  // the pointer on the picture: Ctrl+wheel (or a pinch) zooms at the pointer, a drag moves the span
  function timeAt(w, clientX) {
    const box = $("waves-img").getBoundingClientRect();
    const plot = w.plot || { left: 0, width: 1 };
    const frac = ((clientX - box.left) / box.width - plot.left) / plot.width;
    return { frac: Math.min(1, Math.max(0, frac)), time: w.start + Math.min(1, Math.max(0, frac)) * (w.end - w.start) };
  }
  let wheelTimer = null;
  let wheelFactor = 1;
  $("waves-img").addEventListener("wheel", (e) => {
    const w = currentSpan();
    if (!w || !(e.ctrlKey || e.metaKey)) return; // a plain wheel scrolls the page, as everywhere
    e.preventDefault();
    wheelFactor *= e.deltaY > 0 ? 1.25 : 0.8;
    const at = timeAt(w, e.clientX);
    clearTimeout(wheelTimer);
    wheelTimer = setTimeout(() => { // one request per burst of wheel turns
      const length = Math.max(1, (w.end - w.start) * wheelFactor);
      wheelFactor = 1;
      const start = Math.max(0, at.time - at.frac * length);
      loadWaves({ start, end: start + length });
    }, 150);
  }, { passive: false });
  let dragFrom = null;
  $("waves-img").addEventListener("pointerdown", (e) => { dragFrom = e.clientX; e.preventDefault(); });
  $("waves-img").addEventListener("dragstart", (e) => e.preventDefault());
  window.addEventListener("pointerup", (e) => {
    const w = currentSpan();
    if (dragFrom === null || !w) { dragFrom = null; return; }
    const box = $("waves-img").getBoundingClientRect();
    const moved = (e.clientX - dragFrom) / box.width / ((w.plot && w.plot.width) || 1);
    dragFrom = null;
    if (Math.abs(moved) < 0.01) return;
    const shift = -moved * (w.end - w.start);
    const start = Math.max(0, w.start + shift);
    loadWaves({ start, end: start + (w.end - w.start) });
  });

  function render(view) {
    if (view && view.seq !== undefined) {
      if (view.seq < lastSeq) return; // an older view that arrived late
      lastSeq = view.seq;
    }
    if (view && view.id !== sessionId) return;
    document.title = view && view.title ? `${view.title.slice(0, 50)} · aigchip` : "aigchip chat";
    $("session-title").textContent = view ? view.title : "";
    if (view && document.activeElement !== $("model")) $("model").value = view.model;
    const busy = !!(view && view.busy);
    if (busy && !wasBusy) { $("progress").textContent = ""; $("reply").textContent = ""; $("working-text").textContent = "working…"; }
    const pending = view && view.turns.find((t) => t.state === "pending");
    busySince = !busy ? null : pending ? pending.at : (busySince !== null ? busySince : Date.now() / 1000);
    tick();
    $("reply").hidden = !busy || !$("reply").textContent;
    if (!busy && wasBusy) loadSessions(); // the title or the verdict in the picker may have changed
    wasBusy = busy;
    $("working").hidden = !busy;
    $("progress").hidden = !busy || !$("progress").textContent;
    $("undo").disabled = !!view && !view.can_undo && !busy;
    $("redo").disabled = !view || (!view.can_redo && !busy);
    if (view && view.last_error && !busy) showError(view.last_error);
    renderTurns(view);
    renderDesign(view);
    renderAccel(view);
  }

  function renderAccel(view) { // the accelerator's module tree with each module's status, and its cost
    const accel = view && view.accel;
    $("accel-card").hidden = !accel;
    if (!accel) return;
    $("accel-status").textContent = !accel.approved ? "the plan awaits /approve"
      : accel.message ? `${accel.status}: ${accel.message}` : accel.status;
    $("accel-tree").textContent = accel.tree;
    $("accel-cost").textContent = accel.cost;
    $("accel-cost").hidden = !accel.cost;
    $("accel-approve").hidden = accel.approved;
    $("plan-yaml").textContent = accel.plan_yaml;
  }

  async function uploadPlan(file) {
    try {
      if (file.size > 1024 * 1024) throw new Error(`${file.name} is over 1 MB`);
      const content = await file.text();
      await ensureSession();
      await api("POST", `${base()}/commands`, { command: "plan load", files: { [file.name]: content } });
      showError("");
    } catch (err) { showError(`plan not loaded: ${err.message}`); }
  }

  let accelRefresh = null;
  function followAccel(text) { // a module's status changed: fetch the view so the tree shows it now
    if (!/^\w+: (building|verified|failed|blocked|repairing)\b/.test(text) || accelRefresh) return;
    accelRefresh = setTimeout(() => {
      accelRefresh = null;
      if (sessionId) api("GET", base()).then(render).catch(() => {});
    }, 300);
  }

  // -- wiring -----------------------------------------------------------------------------------------
  $("composer").addEventListener("submit", (e) => { e.preventDefault(); send(); });
  $("message").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); send(); }
  });
  $("undo").addEventListener("click", () => command("undo"));
  $("retry").addEventListener("click", () => command("retry"));
  $("check").addEventListener("click", () => command("check"));
  $("redo").addEventListener("click", () => command("redo"));
  $("write-tests").addEventListener("click", () => command("test write"));
  $("smaller").addEventListener("click", () => command("optimize", ["area"]));
  $("switch-model").addEventListener("click", () => command("model", [$("model").value]));
  $("test-file").addEventListener("change", (e) => {
    const file = e.target.files && e.target.files[0];
    if (file) upload(file).finally(() => { e.target.value = ""; });
  });
  $("accel-approve").addEventListener("click", () => command("approve"));
  $("plan-file").addEventListener("change", (e) => {
    const file = e.target.files && e.target.files[0];
    if (file) uploadPlan(file).finally(() => { e.target.value = ""; });
  });
  $("design-file").addEventListener("change", (e) => {
    const files = e.target.files ? Array.from(e.target.files) : [];
    if (files.length) uploadDesign(files).finally(() => { e.target.value = ""; });
  });
  $("waves-in").addEventListener("click", () => zoom(0.5));
  $("waves-out").addEventListener("click", () => zoom(2));
  $("waves-left").addEventListener("click", () => pan(-1));
  $("waves-right").addEventListener("click", () => pan(1));
  $("waves-whole").addEventListener("click", () => {
    const w = currentSpan();
    if (w) loadWaves({ start: 0, end: Math.max(1, w.run_end) });
  });
  $("waves-reset").addEventListener("click", () => {
    waves.span = null;
    if (waves.internals) loadWaves({}); else renderWaves(waves.view);
  });
  $("waves-internals").addEventListener("change", (e) => {
    waves.internals = e.target.checked;
    const w = waves.span;
    loadWaves(w ? { start: w.start, end: w.end } : {});
  });
  $("sessions").addEventListener("change", (e) => { showError(""); openSession(e.target.value || null); });
  $("new-session").addEventListener("click", async () => {
    try {
      const view = await api("POST", "/api/sessions", {});
      showError("");
      openSession(view.id, view);
      loadSessions();
    } catch (err) { showError(err.message); }
  });

  loadSessions();
  openSession(sessionId);
  if (!sessionId) api("GET", "/api/info").then((info) => { $("model").value = info.model; }).catch(() => {});
})();

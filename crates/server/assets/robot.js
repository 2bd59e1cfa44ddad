// robot.js — behaviour shared by every robot.wtf page (loaded with `defer`).
//
// Everything here is an enhancement: each page works without it. Vanilla JS, no
// dependencies; highlight.js and mermaid are used only when the page loaded them
// (window.hljs, window.mermaid), so pages without code or diagrams pay nothing.
(() => {
  "use strict";

  const doc = document;
  const root = doc.documentElement;
  const body = doc.body;
  // Must match the breakpoints in robot.css.
  const wideScreen = window.matchMedia("(min-width: 800px)");
  const osDark = window.matchMedia("(prefers-color-scheme: dark)");
  const YEAR = 31536000;

  function setCookie(name, value) {
    doc.cookie = `${name}=${value}; path=/; max-age=${YEAR}; SameSite=Lax`;
  }
  function getCookie(name) {
    const m = doc.cookie.match(new RegExp(`(?:^|;\\s*)${name}=([^;]*)`));
    return m ? m[1] : null;
  }
  // Single-key hotkeys must not fire while the user types into a field.
  function isTyping(el) {
    return !!(el && (el.isContentEditable || el.closest("input, textarea, select, [contenteditable]")));
  }

  // ---------- theme ----------
  function effectiveTheme() {
    const forced = root.dataset.theme;
    if (forced === "dark" || forced === "light") return forced;
    return osDark.matches ? "dark" : "light";
  }

  // The page links both highlight.js themes (vendor/hljs-light.css, vendor/hljs-dark.css,
  // optionally marked data-hljs-theme="light|dark");
  // exactly one of them may apply, so switch them through their media attribute. Print
  // always uses the light one, because paper is white.
  function syncCodeTheme() {
    const dark = effectiveTheme() === "dark";
    for (const link of doc.querySelectorAll("link[data-hljs-theme], link[href*='/vendor/hljs-']")) {
      const isDark = (link.dataset.hljsTheme || (link.href.includes("hljs-dark") ? "dark" : "light")) === "dark";
      link.media = dark ? (isDark ? "screen" : "print") : isDark ? "not all" : "all";
    }
  }

  function updateThemeButton() {
    const button = doc.getElementById("theme-toggle");
    if (!button) return;
    const dark = effectiveTheme() === "dark";
    button.setAttribute("aria-pressed", String(dark));
    button.title = dark ? "Switch to light theme" : "Switch to dark theme";
  }

  function setTheme(theme) {
    root.dataset.theme = theme;
    setCookie("theme", theme);
    syncCodeTheme();
    updateThemeButton();
    rerenderDiagrams();
  }

  doc.getElementById("theme-toggle")?.addEventListener("click", () => {
    setTheme(effectiveTheme() === "dark" ? "light" : "dark");
  });
  // Without a forced theme, follow the OS when it switches (e.g. at sunset).
  osDark.addEventListener("change", () => {
    if (root.dataset.theme) return;
    syncCodeTheme();
    updateThemeButton();
    rerenderDiagrams();
  });

  // ---------- sidebar and toc ----------
  const sidebarToggle = doc.getElementById("sidebar-toggle");

  function setDrawer(open) {
    body.classList.toggle("sidebar-open", open);
    sidebarToggle?.setAttribute("aria-expanded", String(open));
  }
  // On wide screens the sidebar is a column that can be hidden; on phones it is a drawer.
  // The hidden states are kept in cookies so the server can render them on the next page.
  function toggleSidebar() {
    if (wideScreen.matches) {
      const hidden = body.classList.toggle("sidebar-hidden");
      setCookie("sidebar", hidden ? "hidden" : "shown");
    } else {
      setDrawer(!body.classList.contains("sidebar-open"));
    }
  }
  function toggleToc() {
    const hidden = body.classList.toggle("toc-hidden");
    setCookie("toc", hidden ? "hidden" : "shown");
  }
  // Fallback for servers that do not render the classes from the cookies.
  if (getCookie("sidebar") === "hidden") body.classList.add("sidebar-hidden");
  if (getCookie("toc") === "hidden") body.classList.add("toc-hidden");

  sidebarToggle?.addEventListener("click", (event) => {
    event.stopPropagation();
    setDrawer(!body.classList.contains("sidebar-open"));
  });
  // A tap outside the open drawer (on the dimmed page) closes it.
  doc.addEventListener("click", (event) => {
    if (body.classList.contains("sidebar-open") && !event.target.closest("#sidebar")) setDrawer(false);
  });
  wideScreen.addEventListener("change", () => setDrawer(false));

  // Below the toc breakpoint the right column is hidden; a copy of the TOC in the sidebar
  // keeps it reachable (robot.css shows .sidebar-toc only then).
  const toc = doc.getElementById("toc");
  const sidebar = doc.getElementById("sidebar");
  if (toc && sidebar && toc.querySelector("a")) {
    const copy = doc.createElement("div");
    copy.className = "sidebar-toc";
    copy.innerHTML = toc.innerHTML;
    copy.querySelectorAll("[id]").forEach((el) => el.removeAttribute("id"));
    sidebar.append(copy);
  }

  // ---------- dropdowns ----------
  // <details class="dropdown"> opens natively; close it on an outside click or Escape.
  function closeDropdowns(except) {
    for (const d of doc.querySelectorAll("details.dropdown[open]")) if (d !== except) d.open = false;
  }
  doc.addEventListener("click", (event) => closeDropdowns(event.target.closest("details.dropdown")));

  // ---------- hotkeys ----------
  doc.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      closeDropdowns(null);
      if (body.classList.contains("sidebar-open")) setDrawer(false);
      return;
    }
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event.target)) return;
    switch (event.key) {
      case "e": {
        const edit = doc.getElementById("edit-link");
        if (edit) location.href = edit.href;
        break;
      }
      case "c":
        location.href = "/-/create";
        break;
      case "/": {
        const search = doc.getElementById("search-input");
        if (!search) return;
        event.preventDefault(); // otherwise the "/" lands in the field
        search.focus();
        search.select();
        break;
      }
      case "[":
        toggleSidebar();
        break;
      case "]":
        toggleToc();
        break;
      default:
        return;
    }
  });

  // ---------- TOC scroll-spy ----------
  // The observer only tells us when a heading crosses the band just below the topbar;
  // on each change the active entry is the last heading above the band's top edge.
  function scrollSpy() {
    const links = [...doc.querySelectorAll("aside.toc a[href^='#'], .sidebar-toc a[href^='#']")];
    if (!links.length || !("IntersectionObserver" in window)) return;
    const headingFor = new Map();
    for (const link of links) {
      let target = null;
      try {
        target = doc.getElementById(decodeURIComponent(link.hash.slice(1)));
      } catch {
        continue;
      }
      // Anchors may carry the id inside the heading; highlight by the heading's position.
      const heading = target?.closest("h1, h2, h3, h4, h5, h6") || target;
      if (heading) headingFor.set(link, heading);
    }
    const headings = [...new Set(headingFor.values())];
    if (!headings.length) return;
    const topbar = doc.querySelector("header.topbar");
    const offset = (topbar && getComputedStyle(topbar).position === "sticky" ? topbar.offsetHeight : 0) + 16;

    function activate(heading) {
      for (const [link, h] of headingFor) link.classList.toggle("active", h === heading);
    }
    function update() {
      let current = headings[0];
      for (const h of headings) {
        if (h.getBoundingClientRect().top - offset <= 1) current = h;
        else break;
      }
      activate(current);
    }
    const observer = new IntersectionObserver(update, {
      rootMargin: `-${offset}px 0px -60% 0px`,
      threshold: [0, 1],
    });
    headings.forEach((h) => observer.observe(h));
    // At the very bottom the last headings can never reach the top band.
    window.addEventListener(
      "scroll",
      () => {
        if (window.innerHeight + window.scrollY >= doc.documentElement.scrollHeight - 2) {
          activate(headings[headings.length - 1]);
        }
      },
      { passive: true },
    );
    update();
  }

  // ---------- code highlighting, diagrams, copy buttons ----------
  // Rendered markdown lives in .wiki-content; the source view's pre.source is code too.
  function contentBlocks(scope, selector) {
    const inside = scope.matches?.(".wiki-content") ? scope.querySelectorAll(selector) : [];
    return [...inside, ...scope.querySelectorAll(`.wiki-content ${selector}`)];
  }
  function codeBlocks(scope, selector) {
    const source = scope.querySelectorAll(selector.replace(/^pre\b/, "pre.source"));
    return [...contentBlocks(scope, selector), ...source];
  }

  function highlight(scope) {
    const hljs = window.hljs;
    if (!hljs) return;
    for (const code of codeBlocks(scope, "pre code[class*='language-']")) {
      if (code.dataset.highlighted) continue;
      const lang = [...code.classList].find((c) => c.startsWith("language-"))?.slice(9);
      // Unknown languages stay plain text instead of making highlight.js throw.
      if (!lang || !hljs.getLanguage(lang)) continue;
      hljs.highlightElement(code);
    }
  }

  function addCopyButtons(scope) {
    if (!navigator.clipboard) return; // only in secure contexts
    for (const pre of codeBlocks(scope, "pre")) {
      if (pre.classList.contains("mermaid") || pre.querySelector(":scope > button.copy-code")) continue;
      const code = pre.querySelector("code");
      if (!code) continue;
      const button = doc.createElement("button");
      button.type = "button";
      button.className = "copy-code";
      button.textContent = "Copy";
      button.addEventListener("click", () => {
        navigator.clipboard.writeText(code.innerText).then(
          () => (button.textContent = "Copied"),
          () => (button.textContent = "Failed"),
        );
        setTimeout(() => (button.textContent = "Copy"), 1500);
      });
      pre.append(button);
    }
  }

  function renderDiagrams(nodes) {
    const mermaid = window.mermaid;
    if (!mermaid || !nodes.length) return;
    for (const pre of nodes) {
      // Keep the source so the diagram can be drawn again when the theme changes.
      if (pre.dataset.mermaidSource === undefined) pre.dataset.mermaidSource = pre.innerHTML;
    }
    mermaid.initialize({
      startOnLoad: false,
      theme: effectiveTheme() === "dark" ? "dark" : "default",
      securityLevel: "strict",
    });
    // mermaid draws its own error box into a broken diagram; the promise rejection is noise.
    Promise.resolve(mermaid.run({ nodes })).catch((err) => console.warn("mermaid:", err));
  }

  function rerenderDiagrams() {
    const drawn = [...doc.querySelectorAll(".wiki-content pre.mermaid[data-mermaid-source]")];
    for (const pre of drawn) {
      pre.innerHTML = pre.dataset.mermaidSource;
      pre.removeAttribute("data-processed");
    }
    renderDiagrams(drawn);
  }

  /** Enhances rendered markdown under `scope`: code highlighting, copy buttons, diagrams.
   *  The editor calls this after replacing the preview's HTML. */
  function robotEnhance(scope = doc) {
    highlight(scope);
    addCopyButtons(scope);
    renderDiagrams(contentBlocks(scope, "pre.mermaid:not([data-processed])"));
  }
  window.robotEnhance = robotEnhance;

  // ---------- history: compare two revisions ----------
  // Rows run newest first. rev_b (newer) may only be picked above rev_a (older), so
  // radios that would make an inverted pair are disabled.
  function historyCompare() {
    const table = doc.querySelector("table.history");
    if (!table) return;
    const rows = [...table.querySelectorAll("tr.history-entry")];
    const radio = (row, name) => row.querySelector(`input[type=radio][name=${name}]`);
    const index = (name) => rows.findIndex((row) => radio(row, name)?.checked);
    if (index("rev_b") < 0 && rows[0] && radio(rows[0], "rev_b")) radio(rows[0], "rev_b").checked = true;
    if (index("rev_a") < 0 && rows[1] && radio(rows[1], "rev_a")) radio(rows[1], "rev_a").checked = true;
    function sync() {
      const a = index("rev_a");
      const b = index("rev_b");
      rows.forEach((row, i) => {
        const ra = radio(row, "rev_a");
        const rb = radio(row, "rev_b");
        if (ra) ra.disabled = b >= 0 && i <= b;
        if (rb) rb.disabled = a >= 0 && i >= a;
      });
    }
    table.addEventListener("change", sync);
    sync();

    const form = doc.getElementById("compare-form");
    form?.addEventListener("submit", (event) => {
      const a = doc.querySelector("input[name=rev_a]:checked")?.value;
      const b = doc.querySelector("input[name=rev_b]:checked")?.value;
      const base = form.dataset.diffBase;
      if (!a || !b || !base) return; // let the server answer the plain GET
      event.preventDefault();
      location.href = `${base}${encodeURIComponent(a)}/${encodeURIComponent(b)}`;
    });
  }

  // ---------- confirmations ----------
  // Capture phase, so a cancelled confirm stops the submit before any other handler sees it.
  doc.addEventListener(
    "submit",
    (event) => {
      const form = event.target;
      const message = event.submitter?.dataset.confirm || form.dataset.confirm;
      if (message && !window.confirm(message)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true,
  );

  // Deferred scripts run in document order before DOMContentLoaded, so waiting for it lets
  // the vendor scripts (hljs, mermaid) come before or after this file.
  function start() {
    syncCodeTheme();
    updateThemeButton();
    scrollSpy();
    historyCompare();
    robotEnhance(doc);
  }
  if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", start);
  else start();
})();

// editor.js — the markdown page editor (loaded with `defer` on the edit page only).
//
// A plain <textarea> enhanced with a toolbar, shortcuts, list continuation, live preview,
// attachment upload and an unsaved-changes guard. Edits go through
// document.execCommand("insertText") where the browser supports it, because that is the
// only way to change a textarea and keep the browser's own undo/redo history.
(() => {
  "use strict";

  const form = document.getElementById("editor-form");
  const ta = document.getElementById("editor");
  if (!form || !ta) return;
  const panes = form.querySelector(".editor-panes");
  const preview = document.getElementById("preview");
  const previewToggle = document.getElementById("preview-toggle");
  const status = document.getElementById("editor-status");
  const csrfToken = () => form.querySelector("input[name=csrf_token]")?.value || "";
  const isMac = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
  const mod = isMac ? "\u2318" : "Ctrl+";

  // ---------- status line ----------
  if (status && !status.hasAttribute("aria-live")) status.setAttribute("aria-live", "polite");
  function setStatus(message, kind = "") {
    if (!status) return;
    status.textContent = message;
    status.classList.toggle("is-error", kind === "error");
    status.classList.toggle("is-ok", kind === "ok");
  }

  // ---------- text primitives ----------
  /** Replaces value[start, end) with `text`, then selects [selStart, selEnd). */
  function replace(start, end, text, selStart = start + text.length, selEnd = selStart) {
    ta.focus();
    ta.setSelectionRange(start, end);
    if ((start !== end || text) && !document.execCommand(text ? "insertText" : "delete", false, text)) {
      ta.setRangeText(text, start, end, "end");
      ta.dispatchEvent(new Event("input", { bubbles: true }));
    }
    ta.setSelectionRange(selStart, selEnd);
  }
  const selection = () => ({ start: ta.selectionStart, end: ta.selectionEnd, text: ta.value.slice(ta.selectionStart, ta.selectionEnd) });
  const lineStart = (pos) => ta.value.lastIndexOf("\n", pos - 1) + 1;
  function lineEnd(pos) {
    const i = ta.value.indexOf("\n", pos);
    return i < 0 ? ta.value.length : i;
  }
  /** The full lines touched by the selection (a selection ending at a line start excludes that line). */
  function selectedLines() {
    const { start, end } = selection();
    const from = lineStart(start);
    const to = lineEnd(end > start && ta.value[end - 1] === "\n" ? end - 1 : end);
    return { from, to, lines: ta.value.slice(from, to).split("\n") };
  }
  function replaceLines(transform) {
    const { from, to, lines } = selectedLines();
    const text = transform(lines).join("\n");
    replace(from, to, text, from, from + text.length);
  }

  // ---------- inline marks: bold, italic, strike, mark, code ----------
  const WORD = /[\p{L}\p{N}\p{M}]/u;
  function toggleInline(marker) {
    const v = ta.value;
    let { start, end } = selection();
    if (start === end) {
      // No selection: act on the word around the cursor.
      while (start > 0 && WORD.test(v[start - 1])) start--;
      while (end < v.length && WORD.test(v[end])) end++;
    }
    const n = marker.length;
    const inner = v.slice(start, end);
    if (v.slice(start - n, start) === marker && v.slice(end, end + n) === marker) {
      replace(start - n, end + n, inner, start - n, end - n);
    } else if (inner.length >= 2 * n && inner.startsWith(marker) && inner.endsWith(marker)) {
      const text = inner.slice(n, -n);
      replace(start, end, text, start, start + text.length);
    } else {
      replace(start, end, marker + inner + marker, start + n, end + n);
    }
  }

  // ---------- line prefixes: headings, quotes, lists ----------
  const LIST = /^(\s*)(?:[-*+]|\d+[.)])(?: \[[ xX]\])? /;
  function cycleHeading() {
    const from = lineStart(ta.selectionStart);
    const line = ta.value.slice(from, lineEnd(ta.selectionStart));
    const m = /^(#{1,6}) +/.exec(line);
    const level = m ? m[1].length : 0;
    const prefix = level === 6 ? "" : "#".repeat(level + 1) + " ";
    const rest = m ? line.slice(m[0].length) : line;
    replace(from, from + line.length, prefix + rest, from + prefix.length + rest.length);
  }
  /** Toggles a list marker on every selected line; a different list type is replaced. */
  function toggleList(kind) {
    replaceLines((lines) => {
      const marker = (i) => (kind === "ol" ? `${i + 1}. ` : kind === "task" ? "- [ ] " : "- ");
      const same = (line) =>
        kind === "ol" ? /^\s*\d+[.)] /.test(line) : kind === "task" ? /^\s*[-*+] \[[ xX]\] /.test(line) : /^\s*[-*+] (?!\[[ xX]\] )/.test(line);
      const allSame = lines.every((l) => !l.trim() || same(l));
      let i = 0;
      return lines.map((line) => {
        if (!line.trim()) return line;
        const m = LIST.exec(line);
        const indent = m ? m[1] : /^\s*/.exec(line)[0];
        const text = m ? line.slice(m[0].length) : line.slice(indent.length);
        return allSame ? indent + text : indent + marker(i++) + text;
      });
    });
  }
  /** Toggles a block prefix such as "> " (quote), ">! " (spoiler) on every selected line. */
  function togglePrefix(prefix) {
    replaceLines((lines) => {
      const all = lines.every((l) => l.startsWith(prefix));
      return lines.map((l) => (all ? l.slice(prefix.length) : prefix + l));
    });
  }

  // ---------- blocks ----------
  /** Inserts `text` as its own block (blank lines around it) and selects [selFrom, selTo) of it. */
  function insertBlock(text, selFrom = text.length, selTo = selFrom) {
    const { start, end } = selection();
    const v = ta.value;
    let before = "";
    if (start > 0 && v[start - 1] !== "\n") before = "\n\n";
    else if (start > 1 && v[start - 2] !== "\n") before = "\n";
    const after = end < v.length ? (v[end] === "\n" ? "\n" : "\n\n") : "\n";
    const at = start + before.length;
    replace(start, end, before + text + after, at + selFrom, at + selTo);
  }
  function wrapBlock(open, placeholder, close) {
    const body = selection().text.replace(/\n$/, "") || placeholder;
    const text = `${open}\n${body}\n${close}`;
    insertBlock(text, open.length + 1, open.length + 1 + body.length);
  }
  function prefixedBlock(head, prefix, placeholder) {
    const body = selection().text.replace(/\n$/, "") || placeholder;
    const lines = body.split("\n").map((l) => prefix + l).join("\n");
    const text = head + lines;
    insertBlock(text, head.length + prefix.length, text.length);
  }

  function insertLink() {
    const { start, end, text } = selection();
    if (/^(https?:\/\/|mailto:)\S+$/.test(text)) {
      replace(start, end, `[](${text})`, start + 1);
    } else {
      const label = text || "text";
      const out = `[${label}](url)`;
      // Select the part the user must type next.
      if (text) replace(start, end, out, start + label.length + 3, start + label.length + 6);
      else replace(start, end, out, start + 1, start + 1 + label.length);
    }
  }
  function insertWikiLink() {
    const { start, end, text } = selection();
    const page = window.prompt("Link to page:", text.trim());
    if (page === null || !page.trim()) return ta.focus();
    const name = page.trim();
    // [[Title|Page]] when the selected text differs from the target page.
    const out = text && text.trim() !== name ? `[[${text}|${name}]]` : `[[${name}]]`;
    replace(start, end, out);
  }
  function insertImage() {
    const { start, end, text } = selection();
    const alt = text || "alt text";
    const out = `![${alt}](./file.png)`;
    replace(start, end, out, start + alt.length + 4, start + alt.length + 14);
  }

  const TABLE = "| Column 1 | Column 2 | Column 3 |\n| -------- | -------- | -------- |\n| Cell     | Cell     | Cell     |\n| Cell     | Cell     | Cell     |";
  const MERMAID = "```mermaid\nflowchart LR\n    A[Start] --> B{Works?}\n    B -->|yes| C[Done]\n    B -->|no| A\n```";

  /** Toolbar actions by `data-md` name: [run, label, shortcut]. */
  const ACTIONS = {
    bold: [() => toggleInline("**"), "Bold", `${mod}B`],
    italic: [() => toggleInline("_"), "Italic", `${mod}I`],
    strike: [() => toggleInline("~~"), "Strikethrough", `${mod}Shift+S`],
    mark: [() => toggleInline("=="), "Highlight"],
    heading: [cycleHeading, "Heading (cycles # … ######)"],
    quote: [() => togglePrefix("> "), "Quote"],
    ul: [() => toggleList("ul"), "Bulleted list"],
    ol: [() => toggleList("ol"), "Numbered list"],
    task: [() => toggleList("task"), "Task list"],
    code: [() => toggleInline("`"), "Inline code", `${mod}E`],
    codeblock: [() => wrapBlock("```", "code", "```"), "Code block"],
    link: [insertLink, "Link", `${mod}K`],
    wikilink: [insertWikiLink, "Wiki link [[Page]]"],
    image: [insertImage, "Image"],
    table: [() => insertBlock(TABLE, 2, 10), "Table", `${mod}J`],
    hr: [() => insertBlock("---"), "Horizontal rule"],
    alert: [() => prefixedBlock("> [!NOTE]\n", "> ", "Note"), "Alert (note, tip, important, warning, caution)"],
    fancy: [() => wrapBlock("::: info", "Text", ":::"), "Panel (::: info)"],
    spoiler: [() => togglePrefix(">! "), "Spoiler"],
    fold: [() => prefixedBlock(">| # Title\n", ">| ", "Folded text"), "Fold (collapsible section)"],
    math: [() => wrapBlock("$$", "E = mc^2", "$$"), "Math block"],
    mermaid: [() => insertBlock(MERMAID, 11, MERMAID.length - 4), "Mermaid diagram"],
  };

  const toolbar = form.querySelector(".editor-toolbar");
  for (const button of toolbar ? toolbar.querySelectorAll("button[data-md]") : []) {
    const action = ACTIONS[button.dataset.md];
    if (!action) continue;
    button.type = "button";
    if (!button.title) button.title = action[2] ? `${action[1]} (${action[2]})` : action[1];
    if (!button.hasAttribute("aria-label") && !button.textContent.trim()) button.setAttribute("aria-label", action[1]);
  }
  toolbar?.addEventListener("mousedown", (e) => {
    // Keep the textarea focused (and its selection visible) while clicking the toolbar.
    if (e.target.closest("button[data-md]")) e.preventDefault();
  });
  toolbar?.addEventListener("click", (e) => {
    const button = e.target.closest("button[data-md]");
    const action = button && ACTIONS[button.dataset.md];
    if (!action) return;
    e.preventDefault();
    action[0]();
  });

  // ---------- keyboard ----------
  /** Enter inside a list, task list or quote starts the next item; on an empty item it ends the list. */
  function continueBlock() {
    const { start, end } = selection();
    if (start !== end) return false;
    const from = lineStart(start);
    const line = ta.value.slice(from, lineEnd(start));
    const quote = /^(?:\s*>[!|]? ?)*/.exec(line)[0];
    const list = /^(\s*)([-*+]|(\d+)([.)]))( \[[ xX]\])? /.exec(line.slice(quote.length));
    if (!quote && !list) return false;
    const prefixLen = quote.length + (list ? list[0].length : 0);
    if (start - from < prefixLen) return false; // cursor inside the marker: plain Enter
    const content = line.slice(prefixLen);
    if (!content.trim() && start === from + line.length) {
      // Empty item: drop its marker (keeping an outer quote) and stay on the line.
      const keep = list ? quote : "";
      replace(from, from + line.length, keep);
      return true;
    }
    let next = quote;
    if (list) {
      const marker = list[3] ? `${Number(list[3]) + 1}${list[4]}` : list[2];
      next += `${list[1]}${marker}${list[5] ? " [ ]" : ""} `;
    }
    replace(start, start, "\n" + next);
    return true;
  }

  function indent(outdent) {
    const { start, end } = selection();
    if (!outdent && start === end) return replace(start, end, "    ");
    const lineFrom = lineStart(start);
    const before = ta.value.length;
    replaceLines((lines) =>
      lines.map((l) => (outdent ? l.replace(/^(?: {1,4}|\t)/, "") : l.trim() ? "    " + l : l)),
    );
    if (start === end) {
      // Keep a bare cursor where it was on its line rather than selecting the whole line.
      const pos = Math.max(lineFrom, start - (before - ta.value.length));
      ta.setSelectionRange(pos, pos);
    }
  }

  // After Escape, the next Tab leaves the textarea, so keyboard users are never trapped.
  let tabReleased = false;
  ta.addEventListener("blur", () => (tabReleased = false));
  ta.addEventListener("keydown", (e) => {
    if (e.isComposing) return;
    const primary = isMac ? e.metaKey : e.ctrlKey;
    if (e.key === "Escape") {
      tabReleased = true;
      return;
    }
    if (e.key === "Tab" && !primary && !e.altKey) {
      if (tabReleased) return;
      e.preventDefault();
      indent(e.shiftKey);
      return;
    }
    tabReleased = false;
    if (e.key === "Enter" && !primary && !e.shiftKey && !e.altKey) {
      if (continueBlock()) e.preventDefault();
      return;
    }
    if (!primary || e.altKey) return;
    const key = e.key.toLowerCase();
    const shortcut = e.shiftKey ? { s: "strike" }[key] : { b: "bold", i: "italic", k: "link", e: "code", j: "table" }[key];
    if (shortcut) {
      e.preventDefault();
      ACTIONS[shortcut][0]();
    }
  });

  // Save and preview work from anywhere on the page, not only inside the textarea.
  document.addEventListener("keydown", (e) => {
    const primary = isMac ? e.metaKey : e.ctrlKey;
    if (!primary || e.altKey || e.shiftKey) return;
    const key = e.key.toLowerCase();
    if (key === "s") {
      e.preventDefault();
      // requestSubmit fires the submit event (dirty guard, confirmations); submit() would not.
      if (form.requestSubmit) form.requestSubmit();
      else form.submit();
    } else if (key === "p") {
      e.preventDefault(); // not the print dialog
      togglePreview();
    }
  });

  // ---------- live preview ----------
  let previewOn = false;
  let timer = 0;
  let inflight = null;

  async function renderPreview() {
    const url = form.dataset.previewUrl;
    if (!preview || !url) return;
    inflight?.abort();
    const controller = new AbortController();
    inflight = controller;
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
        body: new URLSearchParams({ content: ta.value, csrf_token: csrfToken() }),
        credentials: "same-origin",
        signal: controller.signal,
      });
      const data = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(data.message || data.error || `${response.status} ${response.statusText}`);
      preview.innerHTML = data.html || "";
      window.robotEnhance?.(preview);
      if (status?.classList.contains("is-error")) setStatus("");
    } catch (err) {
      if (err.name !== "AbortError") setStatus(`Preview failed: ${err.message}`, "error");
    } finally {
      if (inflight === controller) inflight = null;
    }
  }

  function togglePreview() {
    if (!preview) return;
    previewOn = !previewOn;
    panes?.classList.toggle("split", previewOn);
    preview.hidden = !previewOn;
    previewToggle?.setAttribute("aria-pressed", String(previewOn));
    if (previewOn) renderPreview();
    else ta.focus();
  }
  previewToggle?.addEventListener("click", (e) => {
    e.preventDefault();
    togglePreview();
  });
  if (previewToggle && !previewToggle.title) previewToggle.title = `Toggle preview (${mod}P)`;

  ta.addEventListener("input", () => {
    if (!previewOn) return;
    clearTimeout(timer);
    timer = setTimeout(renderPreview, 300);
  });
  // Side by side, the preview follows the textarea's scroll position proportionally.
  ta.addEventListener("scroll", () => {
    if (!previewOn || !preview) return;
    const range = ta.scrollHeight - ta.clientHeight;
    if (range > 0) preview.scrollTop = (ta.scrollTop / range) * (preview.scrollHeight - preview.clientHeight);
  }, { passive: true });

  // ---------- attachments ----------
  async function upload(file) {
    const url = form.dataset.uploadUrl;
    // A page that does not exist yet has no folder for files: save it first.
    if (!url) return setStatus("Save the page once, then attach files to it.", "error");
    setStatus(`Uploading ${file.name}\u2026`);
    const data = new FormData();
    data.append("file", file, file.name);
    data.append("csrf_token", csrfToken());
    try {
      // Multipart bodies are not searched for the token; the header carries it.
      const response = await fetch(url, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRF-Token": csrfToken() },
      });
      const json = await response.json().catch(() => ({}));
      if (!response.ok || !json.markdown) {
        throw new Error(json.message || json.error || `${response.status} ${response.statusText}`);
      }
      const { start, end } = selection();
      replace(start, end, json.markdown + "\n");
      setStatus(`Uploaded ${json.filename || file.name}`, "ok");
    } catch (err) {
      setStatus(`Upload of ${file.name} failed: ${err.message}`, "error");
    }
  }
  // One at a time, so the inserted links come out in the order the files were given.
  async function uploadAll(files) {
    for (const file of files) await upload(file);
  }
  /** Browsers name every pasted screenshot "image.png"; give each a distinct name. */
  function pastedName(file) {
    if (!/^image\.\w+$/.test(file.name)) return file;
    const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
    const ext = file.name.split(".").pop();
    return new File([file], `pasted-${stamp}.${ext}`, { type: file.type });
  }

  const hasFiles = (e) => Array.from(e.dataTransfer?.types || []).includes("Files");
  for (const type of ["dragenter", "dragover"]) {
    ta.addEventListener(type, (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault(); // makes the textarea a drop target for files
      e.dataTransfer.dropEffect = "copy";
      ta.classList.add("dragover");
    });
  }
  ta.addEventListener("dragleave", () => ta.classList.remove("dragover"));
  ta.addEventListener("drop", (e) => {
    ta.classList.remove("dragover");
    const files = [...(e.dataTransfer?.files || [])];
    if (!files.length) return; // dropped text: the browser inserts it
    e.preventDefault();
    ta.focus();
    uploadAll(files);
  });
  ta.addEventListener("paste", (e) => {
    const clip = e.clipboardData;
    if (!clip) return;
    const files = [...clip.files];
    // A copied spreadsheet range carries text and a picture of it: the text wins.
    if (files.length && !Array.from(clip.types).includes("text/plain")) {
      e.preventDefault();
      uploadAll(files.map(pastedName));
      return;
    }
    // Pasting a URL over selected text makes the selection a link to it.
    const text = clip.getData("text/plain").trim();
    const { start, end, text: selected } = selection();
    if (selected && !selected.includes("\n") && /^https?:\/\/\S+$/.test(text)) {
      e.preventDefault();
      replace(start, end, `[${selected}](${text})`);
    }
  });

  const attachFile = document.getElementById("attach-file");
  document.getElementById("attach-button")?.addEventListener("click", (e) => {
    e.preventDefault();
    attachFile?.click();
  });
  attachFile?.addEventListener("change", () => {
    const files = [...attachFile.files];
    attachFile.value = ""; // choosing the same file again must fire change again
    ta.focus();
    uploadAll(files);
  });

  // ---------- unsaved changes ----------
  const original = ta.value;
  let submitting = false;
  form.addEventListener("submit", () => {
    submitting = true;
  });
  window.addEventListener("beforeunload", (e) => {
    if (submitting || ta.value === original) return;
    e.preventDefault();
    e.returnValue = ""; // older browsers need a value to show the prompt
  });
})();

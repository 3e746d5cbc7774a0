// The podcast page: the feed's subscribe address (to copy into a podcast app) and its episodes.
"use strict";

(function () {
  const $ = (sel) => document.querySelector(sel);
  const el = (tag, attrs, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children) if (c !== null && c !== undefined) node.append(c);
    return node;
  };
  const clock = (ms) => {
    const s = Math.max(0, Math.round((ms || 0) / 1000));
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  };

  async function load() {
    const res = await fetch("api/catalog");
    if (!res.ok) throw new Error(`api/catalog answered ${res.status}`);
    const cat = await res.json();
    $("#disclaimer").textContent = cat.disclaimer;
    const body = $("#subscribe-body");
    body.replaceChildren();
    const url = cat.downloads.subscribe;
    if (!url) {
      body.append($("#nothing-yet").content.cloneNode(true));
      $("#episodes").hidden = true;
      return;
    }
    body.append($("#subscribe-how").content.cloneNode(true));
    $("#feed-url").textContent = url;
    $("#raw-feed").href = url;
    $("#feed-link").href = url;
    $("#copy-feed").addEventListener("click", async () => {
      // Select it too, so it can be copied by hand where the clipboard is not allowed.
      window.getSelection().selectAllChildren($("#feed-url"));
      let done = false;
      try { await navigator.clipboard.writeText(url); done = true; } catch (e) { /* no clipboard: it is selected */ }
      $("#copied").textContent = done ? "Copied." : "Selected: copy it with your keyboard or menu.";
    });
    const list = $("#episode-list");
    list.replaceChildren();
    cat.routines.filter((r) => r.audio).forEach((r) => {
      const li = el("li", { class: "episode", id: `episode-${r.id}` });
      li.append(el("h3", { text: r.name }));
      li.append(el("p", { class: "meta", text: `${clock(r.audio.duration_ms)} · ${r.steps.length} steps` }));
      li.append(el("p", { text: r.description }));
      li.append(el("audio", { controls: true, preload: "none", src: r.audio.url, "aria-label": `${r.name}, audio` }));
      li.append(el("div", { class: "actions" }, el("a", { class: "button secondary", href: r.audio.download,
        download: r.audio.download_name, text: "Download MP3" })));
      list.append(li);
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    load().catch((err) => {
      $("#subscribe-body").replaceChildren(el("p", { class: "notice", text: `Could not load the feed: ${err.message}` }));
    });
  });
})();

// Acupressure Coach try-it page: routines with chapters, downloads, points, and the coach box.
// The coach box acts like an Alexa device: typed words become a real request envelope
// (POST api/envelope, built by the server's one envelope builder), the envelope goes to the
// skill's endpoint (POST /), and the reply is read into words and audio (POST api/reply).
// No external scripts, no build step.
"use strict";

(function () {
  const $ = (sel, root) => (root || document).querySelector(sel);
  const el = (tag, attrs, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children) if (c !== null && c !== undefined) node.append(c);
    return node;
  };

  const USER_KEY = "acupressure-coach.user";
  const NEARLY_FINISHED_MS = 20000; // send PlaybackNearlyFinished when this much is left

  const state = {
    catalog: null,
    routines: new Map(),
    points: new Map(),
    stepFiles: new Map(), // absolute URL of a step's audio -> {routine, stepId, timeline}
    session: { user_id: userId() },
    chain: Promise.resolve(),
    // Dialog mode: the reply's audio, played in order.
    clips: [],
    // AudioPlayer mode: what the device is playing, and what the skill queued next.
    player: { token: null, url: null, offset_ms: 0, activity: "IDLE", started: false, nearly: false, item: null },
    queue: [],
    routine: null, // {id, step_id} shown in "Routine" panel
    paused: false,
    afterClips: null, // what to do when the reply's speech is over (start a stream, resume one)
  };
  // The coach panel's captions: the current step's words, its point and the point's picture.
  const npCaption = captionBox("np-caption");

  function userId() {
    let id = null;
    try { id = window.localStorage.getItem(USER_KEY); } catch (e) { /* storage off: one id per visit */ }
    if (!id) {
      const rnd = (window.crypto && crypto.getRandomValues)
        ? Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, "0")).join("")
        : String(Math.random()).slice(2);
      id = "browser-" + rnd;
      try { window.localStorage.setItem(USER_KEY, id); } catch (e) { /* ignore */ }
    }
    return id;
  }

  function clock(ms) {
    const s = Math.max(0, Math.round((ms || 0) / 1000));
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }

  async function api(path, body) {
    const res = await fetch(path, body === undefined ? {} : {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    if (!res.ok) {
      let detail = "";
      try { detail = (await res.json()).description || ""; } catch (e) { /* not JSON */ }
      throw new Error(`${path} answered ${res.status}${detail ? ": " + detail : ""}`);
    }
    return res.json();
  }

  // ---------- catalog: routines, downloads, points ----------

  async function loadCatalog() {
    const cat = await api("api/catalog");
    state.catalog = cat;
    for (const r of cat.routines) {
      state.routines.set(r.id, r);
      for (const [stepId, files] of Object.entries(r.step_audio || {})) {
        for (const f of files) state.stepFiles.set(absolute(f.url), { routine: r, stepId, timeline: f.timeline });
      }
    }
    for (const p of cat.points) state.points.set(p.id, p);
    $("#disclaimer").textContent = cat.disclaimer;
    if (!cat.coach.enabled) {
      $("#coach-off").hidden = false;
      for (const b of document.querySelectorAll("#say-form input, #say-form button, .suggestions button")) b.disabled = true;
    }
    renderDownloads(cat);
    renderRoutines(cat);
    renderPoints(cat);
  }

  function absolute(url) {
    try { return new URL(url, window.location.href).href; } catch (e) { return url; }
  }

  function renderDownloads(cat) {
    const box = $("#downloads");
    box.replaceChildren();
    if (!cat.rendered) {
      box.append($("#render-hint").content.cloneNode(true));
      return;
    }
    if (cat.downloads.playlist) {
      box.append(el("a", { class: "button secondary", href: cat.downloads.playlist,
        download: "Acupressure Coach routines.m3u", text: "Playlist (M3U)" }));
    }
    if (cat.downloads.feed_page) {
      box.append(el("a", { class: "button secondary", href: cat.downloads.feed_page, text: "Podcast feed (RSS)" }));
    }
  }

  // ---------- names and pictures of points ----------

  function pointLabel(p) {
    return `${p.name} (${p.id})`;
  }

  // A figure for a point's picture: shown once the drawing has loaded, absent if there is none (404).
  function pictureFigure(cls) {
    const img = el("img", { alt: "", decoding: "async" });
    const fig = el("figure", { class: `picture ${cls || ""}`.trim(), hidden: true }, img);
    img.addEventListener("load", () => { fig.hidden = false; });
    img.addEventListener("error", () => { fig.hidden = true; });
    return fig;
  }

  function showPicture(fig, point) {
    const img = fig.querySelector("img");
    const src = point && point.picture;
    if (!src) {
      fig.hidden = true;
      img.removeAttribute("src");
      fig.dataset.point = "";
      return;
    }
    if (fig.dataset.point === point.id) return;
    fig.dataset.point = point.id;
    fig.hidden = true;
    img.alt = `Body map: where ${pointLabel(point)} is. ${point.location}`;
    img.src = src;
  }

  function renderPoints(cat) {
    const list = $("#point-list");
    list.replaceChildren();
    for (const p of cat.points) {
      const n = p.names;
      const titleId = `point-${p.id}-title`;
      const card = el("article", { class: "point", id: `point-${p.id}`, "aria-labelledby": titleId });
      const head = el("div", { class: "point-head" });
      head.append(el("h3", { id: titleId }, n.name, " ", el("span", { class: "code", text: n.code })));
      const sub = [n.pinyin, n.english].filter(Boolean).join(" · ");
      if (sub) head.append(el("p", { class: "pinyin", text: sub }));
      const names = el("dl", { class: "names" });
      const row = (label, values) => {
        if (!values || !values.length) return;
        names.append(el("dt", { text: label }), el("dd", { text: values.join(", ") }));
      };
      row("Older number", n.older_codes);
      row("Also written", n.other_codes);
      row("Also called", n.other_names);
      if (names.children.length) head.append(names);
      card.append(head);
      const fig = pictureFigure("point-picture");
      card.append(fig);
      showPicture(fig, p);
      card.append(el("p", { class: "where", text: p.location }));
      for (const c of p.cautions) card.append(el("p", { class: "caution" }, el("strong", { text: "Caution: " }), c));
      const find = el("details", { class: "find" });
      find.append(el("summary", { text: "How to find it" }));
      const ol = el("ol");
      for (const s of p.find_steps) ol.append(el("li", { text: s }));
      find.append(ol);
      card.append(find);
      list.append(card);
    }
  }

  // ---------- captions: what is being said, from the render's timeline ----------

  function chapterLabel(ch) {
    if (ch.step_id === "intro") return "Introduction";
    if (ch.step_id === "outro") return "Closing";
    return ch.title;
  }

  // The words of one part of a routine: a step's lines, or the introduction or closing.
  function partLines(r, stepId) {
    if (stepId === "intro") return r.intro || [];
    if (stepId === "outro") return r.outro || [];
    const s = r.steps.find((x) => x.id === stepId);
    return s ? s.lines : [];
  }

  function partHeading(r, stepId) {
    if (stepId === "intro") return "Introduction";
    if (stepId === "outro") return "Closing";
    const i = r.steps.findIndex((x) => x.id === stepId);
    return i < 0 ? "" : `Step ${i + 1} of ${r.steps.length}: ${r.steps[i].title}`;
  }

  // What to show at time t (ms) of a file whose part `stepId` spans [from, to): the lines as spoken
  // (the timeline's own text; the content's words when the file has no timeline), which one is being
  // said, and the hold or quiet pause under way.
  function captionAt(r, stepId, timeline, from, to, t) {
    const inPart = (timeline || []).filter((s) => s.start_ms >= from && s.start_ms < to);
    const spoken = inPart.filter((s) => s.kind === "speech" && s.text);
    const lines = spoken.length ? spoken.map((s) => s.text) : partLines(r, stepId);
    let now = -1;
    spoken.forEach((s, i) => { if (s.start_ms <= t) now = i; });
    const quiet = inPart.find((s) => (s.kind === "hold" || s.kind === "pause") && s.start_ms <= t && t < s.end_ms);
    return { routine: r, stepId, lines, now, quiet: quiet ? { kind: quiet.kind, left_ms: quiet.end_ms - t } : null };
  }

  // A caption box: the step, its point (names and picture), its words with the one being said marked.
  function captionBox(id) {
    const box = el("div", { class: "caption", id, hidden: true });
    const fig = pictureFigure("caption-picture");
    const body = el("div", { class: "caption-body" });
    const heading = el("p", { class: "caption-step" });
    const point = el("p", { class: "caption-point" });
    const lines = el("ol", { class: "caption-lines" });
    const quiet = el("p", { class: "caption-quiet", hidden: true });
    body.append(heading, point, lines, quiet);
    box.append(body, fig);
    let shown = null;
    return {
      box,
      show(c) {
        box.hidden = false;
        const key = `${c.routine.id}/${c.stepId}/${c.lines.join("|")}`;
        if (key !== shown) {
          shown = key;
          heading.textContent = partHeading(c.routine, c.stepId);
          const step = c.routine.steps.find((x) => x.id === c.stepId);
          const p = step && step.point ? state.points.get(step.point) : null;
          point.textContent = p ? `${pointLabel(p)}${p.names.pinyin ? " · " + p.names.pinyin : ""}` : "";
          point.hidden = !p;
          showPicture(fig, p);
          lines.replaceChildren(...c.lines.map((text) => el("li", { text })));
        }
        Array.from(lines.children).forEach((li, i) => {
          const now = i === c.now;
          if (now && !li.hasAttribute("aria-current") && lines.scrollHeight > lines.clientHeight) {
            lines.scrollTop = li.offsetTop - 4;
          }
          if (now) li.setAttribute("aria-current", "true"); else li.removeAttribute("aria-current");
          li.classList.toggle("said", c.now >= 0 && i < c.now);
        });
        quiet.hidden = !c.quiet;
        if (c.quiet) quiet.textContent = `${c.quiet.kind === "hold" ? "Hold" : "Quiet time"} · ${clock(c.quiet.left_ms)} left`;
      },
      hide() { box.hidden = true; },
    };
  }

  // ---------- routines ----------

  function renderRoutines(cat) {
    const list = $("#routine-list");
    list.replaceChildren();
    for (const r of cat.routines) {
      const titleId = `routine-${r.id}-title`;
      const art = el("article", { class: "routine", id: `routine-${r.id}`, "aria-labelledby": titleId });
      art.append(el("h3", { id: titleId, text: r.name }));
      art.append(el("p", { text: r.description }));
      const mins = r.audio ? ` · ${clock(r.audio.duration_ms)}` : "";
      art.append(el("p", { class: "meta", text: `${r.steps.length} steps${mins}` }));
      if (r.audio && r.audio.url) {
        const audio = el("audio", { controls: true, preload: "metadata", src: r.audio.url,
          "aria-label": `${r.name}, audio` });
        const caption = captionBox();
        const chapters = el("ol", { class: "chapters", "aria-label": `${r.name}: steps and their words` });
        for (const ch of r.audio.chapters) {
          const li = el("li", { "data-start": ch.start_ms, "data-end": ch.end_ms, "data-step": ch.step_id });
          li.append(el("button", {
            type: "button", "aria-label": `Play from ${chapterLabel(ch)}, at ${clock(ch.start_ms)}`,
            onclick: () => { audio.currentTime = ch.start_ms / 1000; audio.play().catch(() => {}); },
          }, el("span", { text: chapterLabel(ch) }), el("span", { class: "time", text: clock(ch.start_ms) })));
          li.append(el("p", { class: "words", text: partLines(r, ch.step_id).join(" ") }));
          chapters.append(li);
        }
        const follow = () => {
          const t = audio.currentTime * 1000;
          let current = null;
          for (const li of chapters.children) {
            const on = t >= Number(li.dataset.start) && t < Number(li.dataset.end);
            if (on) { li.setAttribute("aria-current", "true"); current = li.dataset.step; } else li.removeAttribute("aria-current");
          }
          const ch = r.audio.chapters.find((c) => c.step_id === current);
          if (ch && (!audio.paused || t > 0)) caption.show(captionAt(r, ch.step_id, r.audio.timeline, ch.start_ms, ch.end_ms, t));
        };
        for (const ev of ["timeupdate", "seeked", "play"]) audio.addEventListener(ev, follow);
        art.append(audio, caption.box);
        const actions = el("div", { class: "actions" });
        actions.append(el("a", { class: "button secondary", href: r.audio.download || r.audio.url,
          download: r.audio.download_name || true, text: "Download MP3" }));
        actions.append(coachButton(r));
        art.append(actions);
        art.append(stepsBlock(r, chapters));
      } else {
        const steps = el("ol", { class: "steps" });
        for (const s of r.steps) {
          steps.append(el("li", {}, el("span", { class: "step-title", text: s.title }),
            el("p", { class: "words", text: s.lines.join(" ") })));
        }
        art.append(el("div", { class: "actions" }, coachButton(r)));
        art.append(stepsBlock(r, steps));
      }
      list.append(art);
    }
  }

  // The steps with their words: open on wide screens, one tap away on phones (where the captions show
  // the words of the step playing).
  function stepsBlock(r, list) {
    const d = el("details", { class: "steps-block", open: !narrow() });
    d.append(el("summary", { text: `Steps, word for word (${r.steps.length})` }), list);
    return d;
  }

  function narrow() {
    return window.matchMedia("(max-width: 40rem)").matches;
  }

  function coachButton(r) {
    return el("button", {
      type: "button", class: "secondary", text: "Do it with the coach",
      disabled: state.catalog && !state.catalog.coach.enabled,
      onclick: () => { $("#coach").scrollIntoView(); sayIt(`start the ${r.name}`); },
    });
  }

  // ---------- the coach: envelopes out, replies in ----------

  function log(kind, text, extra, stepWords) {
    const li = el("li", { class: kind });
    const who = { you: "You", coach: "Coach", error: "Problem" }[kind];
    li.append(el("span", { class: "who", text: who }));
    li.append(el("span", { class: "text", text }));
    // A step spoken from its recording: its own words beside it, where the reply is read.
    if (stepWords && stepWords.length) li.append(el("p", { class: "step-words", text: stepWords.join(" ") }));
    if (extra) li.append(el("span", { class: "heard", text: extra }));
    const ol = $("#log");
    ol.append(li);
    while (ol.children.length > 60) ol.firstElementChild.remove();
    // The conversation scrolls inside its own box, to the start of a reply (long replies would otherwise
    // show only their end); the page moves only to bring that box into view above the input, which stays
    // on screen (sticky) after every reply.
    ol.scrollTop = kind === "you" ? ol.scrollHeight : li.offsetTop - 8;
    if (kind !== "coach") keepInView();
    return li;
  }

  // After a reply is shown (the routine panel above may have grown): like a chat on a phone, the input
  // at the bottom of the screen (it is sticky) with the conversation just above it, but never so far that
  // the conversation's top leaves the screen.
  function keepInView() {
    const box = $("#log");
    if (!box.children.length) return;
    const top = box.getBoundingClientRect().top;
    const end = $("#coach").getBoundingClientRect().bottom; // the input's own place ends the section
    const dy = Math.min(end - window.innerHeight, top - 8);
    if (Math.abs(dy) > 1) window.scrollBy(0, dy);
  }

  function heardNote(u) {
    if (!u) return "";
    if (u.kind === "LaunchRequest") return "heard: open the skill";
    if (u.kind === "SessionEndedRequest") return "heard: leave the skill";
    const slots = Object.entries(u.slots || {}).map(([k, v]) => `${k}=${v.id || v.value}`).join(", ");
    return `heard: ${u.intent}${slots ? " (" + slots + ")" : ""}`;
  }

  // One request at a time, in order, like a device talking to its skill.
  function enqueue(fn) {
    const run = state.chain.then(fn, fn);
    state.chain = run.catch(() => {});
    return run;
  }

  async function exchange(spec) {
    const player = state.player;
    const session = Object.assign({}, state.session, {
      player: { token: player.token, offset_ms: currentOffset(), activity: player.activity },
    });
    const made = await api("api/envelope", Object.assign({ session, audio_player: audioPlayerDevice() }, spec));
    if (made.in_session !== false) state.session = made.session;
    if (!made.envelope) return { understood: made.understood, view: null };
    const res = await fetch("./", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(made.envelope),
    });
    if (!res.ok) {
      throw new Error(res.status === 400
        ? "The skill refused the request. Is the server running with --no-verify?"
        : `The skill answered HTTP ${res.status}.`);
    }
    const reply = await res.json();
    const read = await api("api/reply", { reply, session: made.session, in_session: made.in_session !== false,
      audio_player: audioPlayerDevice() });
    if (made.in_session !== false) state.session = read.session;
    return { understood: made.understood, view: read.view };
  }

  function sayIt(text) {
    text = (text || "").trim();
    if (!text) return Promise.resolve();
    log("you", text);
    return enqueue(async () => {
      try {
        const { understood, view } = await exchange({ say: text });
        if (!view) { log("coach", "(You left the skill.)", heardNote(understood)); stopAll(); return; }
        if (understood && understood.kind === "SessionEndedRequest") stopAll();
        const intent = understood && understood.intent;
        if (intent === "AMAZON.PauseIntent" || intent === "AMAZON.StopIntent") setPaused(true);
        else if (["AMAZON.ResumeIntent", "AMAZON.NextIntent", "AMAZON.PreviousIntent",
          "StartRoutineIntent"].includes(intent)) setPaused(false);
        showReply(view, heardNote(understood));
      } catch (err) {
        log("error", err.message);
      }
    });
  }

  function sendIntent(intent) {
    return enqueue(async () => {
      try {
        const { view } = await exchange({ request: { type: "IntentRequest", intent } });
        showReply(view, `button: ${intent}`);
      } catch (err) {
        log("error", err.message);
      }
    });
  }

  function sendEvent(type, extra) {
    // Device events (AudioPlayer.*, PlaybackController.*) carry no session.
    return enqueue(async () => {
      try {
        const { view } = await exchange({ request: Object.assign({ type }, extra || {}) });
        if (view) showReply(view, null, true);
      } catch (err) {
        log("error", err.message);
      }
    });
  }

  // The words of the step a reply plays from its recording (its text holds only the heading), if any.
  function recordedStepWords(view) {
    const played = (view.segments || []).some((s) => s.step_id && s.url)
      || (view.plays || []).some((p) => p.behavior === "REPLACE_ALL");
    const r = view.step && state.routines.get(view.step[0]);
    if (!played || !r) return [];
    const lines = partLines(r, view.step[1]);
    return lines.some((line) => (view.text || "").includes(line)) ? [] : lines;
  }

  function showReply(view, note, quiet) {
    const plays = view.plays || [];
    const clips = quiet ? [] : (view.segments || []).filter((s) => s.url);
    if (view.text) log("coach", view.text, note || undefined, recordedStepWords(view));
    else if (!quiet && !plays.length && !view.stop) log("coach", "(no speech)", note || undefined);
    // A step only queued (ENQUEUE, REPLACE_ENQUEUED) is shown when it starts playing, not before.
    const onlyQueued = plays.length > 0 && plays.every((p) => p.behavior !== "REPLACE_ALL")
      && !(view.segments || []).some((s) => s.step_id);
    if (view.step && !onlyQueued) showStep(view.step[0], view.step[1]);
    if (view.stop) {
      stopPlayer(true);
      setPaused(true);
    }
    if (plays.length) {
      setPaused(false);
      const first = plays.find((p) => p.behavior === "REPLACE_ALL");
      if (first && clips.length) {
        // As on a device: the speech first, then the stream.
        stopPlayer(true);
        state.queue = plays.filter((p) => p !== first);
        playClips(clips, () => startItem(first));
      } else {
        handlePlays(plays);
        if (clips.length) playClips(clips);
      }
    } else if (clips.length) {
      playClips(clips);
    }
    if (view.end_session !== false && !quiet && !plays.length && !view.step && !state.paused) {
      setStatus("The session is closed. Say something to start again.");
    }
    if (!quiet) keepInView();
  }

  function setPaused(paused) {
    state.paused = paused;
    $("#btn-pause").textContent = paused ? "Resume" : "Pause";
  }

  // ---------- routine panel ----------

  function showStep(routineId, stepId) {
    const r = state.routines.get(routineId);
    if (!r) return;
    const panel = $("#now-playing");
    if (!state.routine || state.routine.id !== routineId) {
      $("#np-name").textContent = r.name;
      $("#np-all").open = !narrow();
      const ol = $("#np-steps");
      ol.replaceChildren();
      for (const s of r.steps) ol.append(el("li", { "data-step": s.id }, el("span", { class: "step-title", text: s.title })));
      panel.hidden = false;
    }
    const moved = !state.routine || state.routine.step_id !== stepId || state.routine.id !== routineId;
    state.routine = { id: routineId, step_id: stepId };
    let seen = false;
    for (const li of $("#np-steps").children) {
      const here = li.dataset.step === stepId;
      if (here) {
        li.setAttribute("aria-current", "step");
        seen = true;
      } else li.removeAttribute("aria-current");
      li.classList.toggle("done", !seen);
    }
    if (!npCaption.box.parentNode) $("#np-status").after(npCaption.box);
    if (moved) npCaption.show(captionAt(r, stepId, [], 0, Infinity, 0));
    const idx = r.steps.findIndex((s) => s.id === stepId);
    if (idx >= 0) setStatus(`Step ${idx + 1} of ${r.steps.length}: ${r.steps[idx].title}`);
  }

  // Captions for the step file playing on the coach's voice (dialog mode) or the player (AudioPlayer).
  function followStepAudio(a) {
    const f = state.stepFiles.get(a.currentSrc || a.src);
    if (!f || !state.routine || state.routine.id !== f.routine.id || state.routine.step_id !== f.stepId) return;
    npCaption.show(captionAt(f.routine, f.stepId, f.timeline, 0, Infinity, a.currentTime * 1000));
  }

  function setStatus(text) { $("#np-status").textContent = text; }

  // ---------- dialog mode: the reply's audio clips in order, on the voice element ----------

  const voice = () => $("#coach-audio");
  const playerEl = () => $("#player-audio");

  function playClips(clips, then) {
    const a = playerEl();
    // Speech ducks the stream: pause it, and pick it up again after (unless the reply replaced it).
    const interrupted = !then && state.player.token && !a.paused;
    if (interrupted) a.pause();
    state.clips = clips.slice();
    state.afterClips = then || (interrupted ? () => a.play().catch(() => {}) : null);
    nextClip();
  }

  function nextClip() {
    const clip = state.clips.shift();
    if (!clip) {
      const after = state.afterClips;
      state.afterClips = null;
      if (after) after();
      return;
    }
    const a = voice();
    a.src = clip.url;
    a.play().catch(() => { /* autoplay refused: the controls are there */ });
  }

  function stopAll() {
    state.clips = [];
    state.afterClips = null;
    const a = voice();
    if (!a.paused) a.pause();
    stopPlayer(false);
  }

  // ---------- AudioPlayer mode: Play directives, events back to the skill, on the player element ----------

  function currentOffset() {
    const a = playerEl();
    if (state.player.token && a.src) return Math.round(a.currentTime * 1000);
    return state.player.offset_ms || 0;
  }

  function handlePlays(plays) {
    for (const p of plays) {
      if (p.behavior === "ENQUEUE") {
        state.queue.push(p);
      } else if (p.behavior === "REPLACE_ENQUEUED") {
        state.queue = [p];
      } else {
        state.queue = plays.filter((q) => q !== p && q.behavior === "ENQUEUE");
        startItem(p);
        return;
      }
    }
  }

  function startItem(item) {
    const a = playerEl();
    const p = state.player;
    if (p.token && !a.paused) {
      // Replacing what plays: the device reports where it stopped.
      sendEvent("AudioPlayer.PlaybackStopped", { token: p.token, offset_ms: Math.round(a.currentTime * 1000) });
    }
    Object.assign(p, { token: item.token, url: item.url, offset_ms: item.offset_ms || 0, activity: "BUFFER_UNDERRUN",
      started: false, nearly: false, item });
    $("#player").hidden = false;
    a.src = item.url;
    if (item.offset_ms) a.addEventListener("loadedmetadata", () => { a.currentTime = item.offset_ms / 1000; }, { once: true });
    a.play().catch(() => {});
    setPaused(false);
    if (item.routine_id && item.step_id) showStep(item.routine_id, item.step_id);
  }

  function stopPlayer(report) {
    const a = playerEl();
    const p = state.player;
    if (!p.token || p.activity === "STOPPED" || p.activity === "FINISHED") return;
    const offset = Math.round(a.currentTime * 1000);
    if (!a.paused) a.pause();
    p.offset_ms = offset;
    p.activity = "STOPPED";
    if (report) sendEvent("AudioPlayer.PlaybackStopped", { token: p.token, offset_ms: offset });
  }

  function playerChapter(a) {
    // A whole routine file playing: highlight the chapter under the playhead.
    const item = state.player.item;
    if (!item || !item.routine_id || item.step_id) return;
    const r = state.routines.get(item.routine_id);
    if (!r || !r.audio) return;
    const t = a.currentTime * 1000;
    const ch = r.audio.chapters.find((c) => t >= c.start_ms && t < c.end_ms);
    if (ch && r.steps.some((s) => s.id === ch.step_id)) {
      if (!state.routine || state.routine.step_id !== ch.step_id) showStep(r.id, ch.step_id);
      npCaption.show(captionAt(r, ch.step_id, r.audio.timeline, ch.start_ms, ch.end_ms, t));
    }
  }

  function wireAudio() {
    const v = voice();
    v.addEventListener("ended", nextClip);
    for (const ev of ["timeupdate", "seeked"]) {
      v.addEventListener(ev, () => followStepAudio(v));
      playerEl().addEventListener(ev, () => followStepAudio(playerEl()));
    }
    v.addEventListener("error", () => { if (v.getAttribute("src")) nextClip(); });
    const a = playerEl();
    a.addEventListener("playing", () => {
      const p = state.player;
      if (!p.token) return;
      p.activity = "PLAYING";
      if (!p.started) {
        p.started = true;
        sendEvent("AudioPlayer.PlaybackStarted", { token: p.token, offset_ms: Math.round(a.currentTime * 1000) });
      }
    });
    a.addEventListener("pause", () => {
      // Paused with the player's own control (not by the skill): report it like a device would.
      const p = state.player;
      if (p.token && p.activity === "PLAYING" && !a.ended && !state.clips.length && !state.afterClips) {
        p.activity = "STOPPED";
        p.offset_ms = Math.round(a.currentTime * 1000);
        p.started = false;
        sendEvent("AudioPlayer.PlaybackStopped", { token: p.token, offset_ms: p.offset_ms });
      }
    });
    a.addEventListener("timeupdate", () => {
      const p = state.player;
      if (!p.token) return;
      p.offset_ms = Math.round(a.currentTime * 1000);
      playerChapter(a);
      const left = (a.duration - a.currentTime) * 1000;
      if (p.started && !p.nearly && Number.isFinite(left) && left < NEARLY_FINISHED_MS) {
        p.nearly = true;
        sendEvent("AudioPlayer.PlaybackNearlyFinished", { token: p.token, offset_ms: p.offset_ms });
      }
    });
    a.addEventListener("ended", () => {
      const p = state.player;
      if (!p.token) return;
      const done = p.token;
      p.activity = "FINISHED";
      p.offset_ms = Math.round(a.currentTime * 1000);
      sendEvent("AudioPlayer.PlaybackFinished", { token: done, offset_ms: p.offset_ms });
      // Play what the skill queued after this one (it may arrive in reply to the events above).
      state.chain.then(() => {
        const i = state.queue.findIndex((q) => !q.expected_previous_token || q.expected_previous_token === done);
        if (i >= 0) startItem(state.queue.splice(i, 1)[0]);
      });
    });
    a.addEventListener("error", () => {
      if (state.player.token && a.getAttribute("src")) {
        sendEvent("AudioPlayer.PlaybackFailed", { token: state.player.token, offset_ms: currentOffset() });
      }
    });
  }

  // ---------- buttons ----------

  // Whether this page acts as a device with AudioPlayer: the server's default, or ?device=audioplayer|dialog.
  function audioPlayerDevice() {
    const chosen = new URLSearchParams(window.location.search).get("device");
    if (chosen === "audioplayer") return true;
    if (chosen === "dialog") return false;
    return Boolean(state.catalog && state.catalog.coach.audio_player);
  }

  function audioPlayerActive() {
    return audioPlayerDevice() && Boolean(state.player.token) && state.player.activity !== "FINISHED";
  }

  function wireControls() {
    const quiet = () => { state.clips = []; state.afterClips = null; voice().pause(); };
    $("#btn-next").addEventListener("click", () => {
      quiet();
      if (audioPlayerActive()) sendEvent("PlaybackController.NextCommandIssued");
      else sendIntent("AMAZON.NextIntent");
    });
    $("#btn-prev").addEventListener("click", () => {
      quiet();
      if (audioPlayerActive()) sendEvent("PlaybackController.PreviousCommandIssued");
      else sendIntent("AMAZON.PreviousIntent");
    });
    $("#btn-pause").addEventListener("click", () => {
      if (!state.paused) {
        setPaused(true);
        quiet();
        // A device button: the skill answers with AudioPlayer.Stop; in dialog mode, the pause intent.
        if (audioPlayerActive()) sendEvent("PlaybackController.PauseCommandIssued");
        else sendIntent("AMAZON.PauseIntent");
      } else {
        setPaused(false);
        if (audioPlayerActive()) sendEvent("PlaybackController.PlayCommandIssued");
        else sendIntent("AMAZON.ResumeIntent");
      }
    });
  }

  function wireForm() {
    const form = $("#say-form");
    const input = $("#say");
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const text = input.value;
      input.value = "";
      sayIt(text);
      input.focus();
    });
    for (const chip of document.querySelectorAll(".suggestions .chip")) {
      chip.addEventListener("click", () => sayIt(chip.dataset.say));
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    wireAudio();
    wireControls();
    wireForm();
    loadCatalog().catch((err) => {
      log("error", `Could not load the page data: ${err.message}`);
    });
  });
})();

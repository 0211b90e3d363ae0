// clapsearch's page: search, listen, refine. State lives in the URL (?q=...), so a search can be bookmarked.

import { audioUrl, getJson } from "./api.js";
import { download, exportName, toCsv, toJson, toM3u } from "./export.js";
import { SegmentPlayer } from "./player.js";
import { clock, folderLabeller, resultRow, setDragData } from "./results.js";
import { drawWaveform, loadPeaks } from "./waveform.js";

const $ = (sel) => document.querySelector(sel);
const PEAKS = 200;
const FILTER_KEYS = ["min_duration", "max_duration", "folder", "sample_rate", "where"];

const ui = {
  form: $("#search-form"), q: $("#q"), k: $("#k"), filters: $("#filters"), formats: $("#formats"),
  folder: $("#folder"), sampleRate: $("#sample_rate"), list: $("#results"), empty: $("#empty"),
  status: $("#status"), error: $("#error"), playBtn: $("#play-btn"), nowPlaying: $("#now-playing"),
  position: $("#position"), example: $("#example-file"), dropzone: $("#dropzone"),
};

const state = {
  info: null,
  showFolder: (folder) => folder || ".",
  label: "",         // what the list answers: the query text, or "sounds like NAME"
  results: [],
  waves: [],         // peaks per result (or null until loaded)
  selected: -1,
  playingIndex: -1,
  lastSearch: null,  // {ms, count}
  request: 0,        // a newer search makes older answers stale
};

const player = new SegmentPlayer($("#audio"), {
  onTick: (t) => { drawRow(state.playingIndex, t); ui.position.textContent = clock(t); },
  onState: () => updatePlayState(),
});

// -- status and errors -----------------------------------------------------------------------------------------

function showError(err) {
  const code = err.status ? ` (HTTP ${err.status})` : "";
  ui.error.textContent = `Error${code}: ${String(err.message || err).split("\n")[0]}`;
  ui.error.hidden = false;
}

function clearError() {
  ui.error.hidden = true;
  ui.error.textContent = "";
}

function renderStatus() {
  const parts = [];
  const info = state.info;
  if (info) {
    parts.push(`${info.files} files`, `${info.segments} segments`, `model ${info.model}`);
    if (info.watch) parts.push("watching");
  }
  if (state.lastSearch) parts.push(`${state.lastSearch.count} results in ${state.lastSearch.ms} ms`);
  ui.status.textContent = parts.join(" · ") || "ready";
}

// -- filters ---------------------------------------------------------------------------------------------------

function fillFilters(info) {
  state.showFolder = folderLabeller(info.folders);
  for (const folder of info.folders || []) ui.folder.append(new Option(state.showFolder(folder), folder));
  for (const sr of info.sample_rates || []) ui.sampleRate.append(new Option(`${sr} Hz`, String(sr)));
  for (const fmt of info.formats || []) {
    const label = document.createElement("label");
    const box = Object.assign(document.createElement("input"), { type: "checkbox", name: "format", value: fmt });
    label.append(box, ` ${fmt}`);
    ui.formats.append(label);
  }
  if (Number.isFinite(info.duration_min)) $("#min_duration").placeholder = info.duration_min.toFixed(1);
  if (Number.isFinite(info.duration_max)) $("#max_duration").placeholder = info.duration_max.toFixed(1);
}

/** The filter form as query parameters ([key, value] pairs; format repeats). */
function filterParams() {
  const params = [];
  for (const key of FILTER_KEYS) {
    const value = ui.filters.elements[key].value.trim();
    if (value) params.push([key, value]);
  }
  for (const box of ui.formats.querySelectorAll("input:checked")) params.push(["format", box.value]);
  return params;
}

function setFilters(params) {
  for (const key of FILTER_KEYS) ui.filters.elements[key].value = params.get(key) || "";
  const formats = new Set(params.getAll("format"));
  for (const box of ui.formats.querySelectorAll("input")) box.checked = formats.has(box.value);
}

// -- searching -------------------------------------------------------------------------------------------------

/** The search the URL describes: {q} or {similar, segment}, plus k and the filters. */
function currentSearch() {
  const params = new URLSearchParams(location.search);
  return { q: params.get("q"), similar: params.get("similar"), segment: params.get("segment"), params };
}

function pushUrl(main) {
  const params = new URLSearchParams(main);
  params.set("k", ui.k.value);
  for (const [key, value] of filterParams()) params.append(key, value);
  const url = `${location.pathname}?${params}${location.hash}`;
  if (url !== location.pathname + location.search + location.hash) history.pushState(null, "", url);
}

async function runSearch(fetchResults) {
  const request = ++state.request;
  const t0 = performance.now();
  document.body.classList.add("busy");
  try {
    const body = await fetchResults();
    if (request !== state.request) return;
    clearError();
    state.lastSearch = { ms: Math.round(performance.now() - t0), count: body.results.length };
    showResults(body.query, body.results);
  } catch (err) {
    if (request === state.request) showError(err);
  } finally {
    if (request === state.request) document.body.classList.remove("busy");
    renderStatus();
  }
}

function searchText(q) {
  const params = [["q", q], ["k", ui.k.value], ...filterParams()];
  return runSearch(() => getJson("/api/search", params));
}

function searchSimilar(fileId, segmentId) {
  const params = [["k", ui.k.value], ...filterParams()];
  if (segmentId !== null && segmentId !== undefined && segmentId !== "") params.push(["segment_id", segmentId]);
  return runSearch(() => getJson(`/api/similar/${encodeURIComponent(fileId)}`, params));
}

function searchExample(file) {
  const body = new FormData();
  body.append("file", file, file.name);
  const params = [["k", ui.k.value], ...filterParams()];
  return runSearch(() => getJson("/api/search/audio", params, { method: "POST", body }));
}

/** Run the search the URL names (on load, and on back/forward). */
function searchFromUrl() {
  const { q, similar, segment, params } = currentSearch();
  if (params.get("k")) ui.k.value = params.get("k");
  setFilters(params);
  ui.q.value = q || "";
  if (similar) return searchSimilar(similar, segment);
  if (q && q.trim()) return searchText(q);
  if (state.label) {  // back to the address without a search: an empty page again
    state.lastSearch = null;
    showResults("", []);
    $("#caption-label").textContent = "No search yet";
    $("#caption-count").textContent = "";
    renderStatus();
  }
  return null;
}

function submitSearch() {
  const q = ui.q.value;
  const { similar, segment } = currentSearch();
  if (!q.trim() && similar) {  // filters changed while looking at a "more like this" list
    pushUrl({ similar, ...(segment ? { segment } : {}) });
    return searchSimilar(similar, segment);
  }
  pushUrl({ q });
  return searchText(q);  // an empty query gets the server's one-line error
}

function moreLikeThis(index) {
  const r = state.results[index];
  if (!r) return;
  ui.q.value = "";
  const main = { similar: String(r.file_id) };
  if (r.segment_id !== undefined && r.segment_id !== null) main.segment = String(r.segment_id);
  pushUrl(main);
  searchSimilar(main.similar, main.segment);
}

// -- results ---------------------------------------------------------------------------------------------------

function showResults(label, results) {
  player.pause();
  state.label = label;
  state.results = results;
  state.waves = results.map(() => null);
  state.playingIndex = -1;
  const top = results.length ? Math.max(...results.map((r) => r.score)) : 0;
  ui.list.replaceChildren(...results.map((r, i) => resultRow(r, i, top, state.showFolder)));
  ui.list.setAttribute("aria-label", `Results for ${label}`);
  $("#caption-label").textContent = label;
  $("#caption-count").textContent = `${results.length} ${results.length === 1 ? "file" : "files"}`;
  ui.empty.hidden = results.length > 0;
  ui.empty.textContent = results.length ? "" : `No results for ${label}. Loosen the filters or describe it differently.`;
  document.title = label ? `${label} · clapsearch` : "clapsearch";
  select(results.length ? 0 : -1, { scroll: false });
  results.forEach((r, i) => {
    drawRow(i);
    loadPeaks(r.file_id, (id) => getJson(`/api/files/${encodeURIComponent(id)}/peaks`, [["n", PEAKS]]))
      .then((wave) => { if (state.results[i] === r) { state.waves[i] = wave; drawRow(i); } })
      .catch(() => { /* a thumbnail that cannot load leaves the segment marker only */ });
  });
  updatePlayState();
}

function rowOf(index) {
  return index >= 0 ? document.getElementById(`result-${index}`) : null;
}

function drawRow(index, playhead = null) {
  const row = rowOf(index);
  const r = state.results[index];
  if (!row || !r) return;
  const wave = state.waves[index] || { duration: r.duration, peaks: [] };
  const head = playhead ?? (index === state.playingIndex ? $("#audio").currentTime : null);
  drawWaveform(row.querySelector("canvas"), wave, r.start, r.end, head);
}

function select(index, { scroll = true } = {}) {
  if (!state.results.length) index = -1;
  index = Math.max(-1, Math.min(state.results.length - 1, index));
  rowOf(state.selected)?.setAttribute("aria-selected", "false");
  state.selected = index;
  const row = rowOf(index);
  if (row) {
    row.setAttribute("aria-selected", "true");
    ui.list.setAttribute("aria-activedescendant", row.id);
    if (scroll) row.scrollIntoView({ block: "nearest" });
  } else {
    ui.list.removeAttribute("aria-activedescendant");
  }
  ui.playBtn.disabled = index < 0;
}

// -- playing ---------------------------------------------------------------------------------------------------

function play(index, from = null) {
  const r = state.results[index];
  if (!r) return;
  const start = from ?? r.start;
  const stopAt = start < r.end ? r.end : r.duration || Infinity;  // a click past the segment plays on to the end
  const previous = state.playingIndex;
  state.playingIndex = index;
  drawRow(previous);
  ui.nowPlaying.textContent = `${r.name}  ${clock(r.start)}–${clock(r.end)}`;
  player.play(index, audioUrl(r.file_id), start, stopAt).catch((err) => {
    if (err.name !== "AbortError") showError(err);
  });
}

function togglePlay(index) {
  if (index < 0) return;
  if (player.isPlaying(index)) player.pause();
  else if (state.playingIndex !== index || !player.resume()) play(index);
}

function updatePlayState() {
  for (const row of ui.list.querySelectorAll(".row.playing")) row.classList.remove("playing");
  const playing = player.playing && state.playingIndex >= 0;
  if (playing) rowOf(state.playingIndex)?.classList.add("playing");
  ui.playBtn.textContent = playing ? "❚❚" : "▶";
  ui.playBtn.setAttribute("aria-label", playing ? "Pause" : "Play selected segment");
}

// -- events ----------------------------------------------------------------------------------------------------

function onListClick(event) {
  const row = event.target.closest(".row");
  if (!row) return;
  const index = Number(row.dataset.index);
  select(index);
  const action = event.target.closest("button")?.dataset.action;
  if (action === "play") togglePlay(index);
  else if (action === "more") moreLikeThis(index);
  else if (event.target.tagName === "CANVAS") {
    const box = event.target.getBoundingClientRect();
    const r = state.results[index];
    const duration = state.waves[index]?.duration || r.duration;
    play(index, Math.max(0, Math.min(1, (event.clientX - box.left) / box.width)) * duration);
  }
  if (document.activeElement !== ui.q) ui.list.focus({ preventScroll: true });
}

function isTyping(target) {
  return target.closest("input, select, textarea") !== null;
}

function onKey(event) {
  if (event.defaultPrevented || event.isComposing) return;
  const { key, target } = event;
  if (target === ui.q && key === "ArrowDown" && state.results.length) {
    event.preventDefault();
    ui.list.focus();
    select(Math.max(0, state.selected));
    return;
  }
  if (target === ui.q && key === "Escape") { ui.list.focus(); return; }
  if (isTyping(target) || event.ctrlKey && key !== "Enter" || event.metaKey && key !== "Enter") return;
  const moves = { ArrowDown: 1, j: 1, ArrowUp: -1, k: -1, PageDown: 10, PageUp: -10 };
  if (key === "/") { event.preventDefault(); ui.q.focus(); ui.q.select(); }
  else if (key in moves) { event.preventDefault(); select(Math.max(0, state.selected + moves[key])); }
  else if (key === "Home" || key === "End") { event.preventDefault(); select(key === "Home" ? 0 : state.results.length - 1); }
  else if (key === " " && !target.closest("button")) { event.preventDefault(); togglePlay(state.selected); }
  else if (key === "Enter" && (event.shiftKey || event.ctrlKey || event.metaKey || event.altKey) || key === "m") {
    event.preventDefault();
    moreLikeThis(state.selected);
  } else if (key === "Enter" && target === ui.list) { event.preventDefault(); play(state.selected); }
}

function exportList(kind) {
  if (!state.results.length) { showError(new Error("nothing to export: search first")); return; }
  const name = exportName(state.label);
  if (kind === "m3u") download(toM3u(state.results), `${name}.m3u`, "audio/x-mpegurl");
  else if (kind === "csv") download(toCsv(state.results), `${name}.csv`, "text/csv");
  else download(toJson(state.label, state.results), `${name}.json`, "application/json");
}

function wireDropzone() {
  const hasFiles = (e) => [...(e.dataTransfer?.types || [])].includes("Files");
  let depth = 0;
  document.addEventListener("dragenter", (e) => { if (hasFiles(e)) { depth++; ui.dropzone.hidden = false; } });
  document.addEventListener("dragleave", (e) => { if (hasFiles(e) && --depth <= 0) { depth = 0; ui.dropzone.hidden = true; } });
  document.addEventListener("dragover", (e) => { if (hasFiles(e)) e.preventDefault(); });
  document.addEventListener("drop", (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth = 0;
    ui.dropzone.hidden = true;
    const file = e.dataTransfer.files[0];
    if (file) searchExample(file);
  });
}

function wire() {
  ui.form.addEventListener("submit", (e) => { e.preventDefault(); submitSearch(); });
  ui.filters.addEventListener("submit", (e) => { e.preventDefault(); submitSearch(); });
  ui.filters.addEventListener("change", () => { if (state.label) submitSearch(); });
  ui.filters.addEventListener("reset", () => setTimeout(() => { if (state.label) submitSearch(); }));
  ui.k.addEventListener("change", () => { if (state.label) submitSearch(); });
  ui.list.addEventListener("click", onListClick);
  ui.list.addEventListener("dblclick", (e) => {
    const row = e.target.closest(".row");
    if (row && !e.target.closest("button, canvas")) play(Number(row.dataset.index));
  });
  ui.list.addEventListener("dragstart", (e) => {
    const row = e.target.closest(".row");
    if (row) setDragData(e.dataTransfer, state.results[Number(row.dataset.index)]);
  });
  ui.playBtn.addEventListener("click", () => togglePlay(state.playingIndex >= 0 ? state.playingIndex : state.selected));
  document.addEventListener("keydown", onKey);
  for (const button of document.querySelectorAll("[data-export]")) {
    button.addEventListener("click", () => exportList(button.dataset.export));
  }
  $("#example-btn").addEventListener("click", () => ui.example.click());
  ui.example.addEventListener("change", () => { if (ui.example.files[0]) searchExample(ui.example.files[0]); });
  wireDropzone();
  window.addEventListener("popstate", searchFromUrl);
  new ResizeObserver(() => state.results.forEach((_, i) => drawRow(i))).observe(ui.list);
}

async function start() {
  wire();
  try {
    state.info = await getJson("/api/info");
    fillFilters(state.info);
  } catch (err) {
    showError(err);
  }
  renderStatus();
  if (!searchFromUrl()) ui.q.focus();
}

start();

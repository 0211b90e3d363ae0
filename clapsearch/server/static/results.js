// The result rows: rank, score, waveform thumbnail, name and folder, length and segment, format, actions.

import { audioUrl } from "./api.js";

const MIME = { wav: "audio/wav", wave: "audio/wav", flac: "audio/flac", mp3: "audio/mpeg", ogg: "audio/ogg",
  oga: "audio/ogg", opus: "audio/ogg", aif: "audio/aiff", aiff: "audio/aiff", m4a: "audio/mp4", webm: "audio/webm" };

/** Folders shown relative to the library's root: "/data/sfx/foley/steps" -> "sfx/foley/steps" (root /data/sfx). */
export function folderLabeller(folders) {
  const split = (f) => (f || "").split("/").filter(Boolean);
  const all = (folders || []).map(split);
  let common = all.length ? all[0].length : 0;
  for (const parts of all) {
    let i = 0;
    while (i < common && i < parts.length && parts[i] === all[0][i]) i++;
    common = i;
  }
  const keep = Math.max(0, common - 1);  // keep the root's own name, so the top folder is not shown as "."
  return (folder) => {
    const parts = split(folder);
    return parts.length > keep && folder.startsWith("/") === (folders[0] || "").startsWith("/")
      ? parts.slice(keep).join("/") : folder || ".";
  };
}

/** 83.45 -> "1:23.4" */
export function clock(seconds) {
  if (!Number.isFinite(seconds)) return "–";
  const s = Math.max(0, seconds);
  const m = Math.floor(s / 60);
  return `${m}:${(s - m * 60).toFixed(1).padStart(4, "0")}`;
}

function rate(hz) {
  if (!hz) return "";
  return `${(hz / 1000).toFixed(hz % 1000 ? 1 : 0)}k`;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

/** The drag-out data: Chromium's DownloadURL (drop into a DAW or a file manager), a URI list and plain text. */
export function setDragData(dataTransfer, result) {
  const url = audioUrl(result.file_id);
  const ext = (result.format || result.name.split(".").pop() || "").toLowerCase();
  const mime = MIME[ext] || "application/octet-stream";
  dataTransfer.effectAllowed = "copy";
  dataTransfer.setData("DownloadURL", `${mime}:${result.name.replace(/:/g, "_")}:${url}`);
  dataTransfer.setData("text/uri-list", url);
  dataTransfer.setData("text/plain", url);
}

/** One result's <li role="option">; the data-* attributes carry the figures (the tests read them too). */
export function resultRow(result, index, topScore, showFolder = (f) => f || ".") {
  const { name, folder, score, start, end, duration } = result;
  const fmt = (result.format || "").toUpperCase();
  const channels = result.channels ? `${result.channels}ch` : "";
  const li = el("li", {
    class: "row", role: "option", id: `result-${index}`, "aria-selected": "false", draggable: "true",
    "data-index": String(index), "data-file-id": String(result.file_id), "data-score": String(score),
    "data-start": String(start), "data-end": String(end), "data-duration": String(duration),
    "data-format": result.format || "", "data-folder": folder || "",
    "aria-label": `${index + 1}. ${name}, score ${score.toFixed(3)}, ${clock(duration)}, segment ${clock(start)} `
      + `to ${clock(end)}`,
    title: `${result.path}\nDrag out to copy the file`,
  });
  const bar = el("span", { class: "score-bar", "aria-hidden": "true" });
  bar.style.setProperty("--w", `${Math.max(0, Math.min(1, topScore > 0 ? score / topScore : 0)) * 100}%`);
  const canvas = el("canvas", { class: "wave", role: "img",
    "aria-label": `Waveform of ${name}; matched segment ${clock(start)} to ${clock(end)}. Click to play from a point.` });
  li.append(
    el("span", { class: "c-rank mono", text: String(index + 1) }),
    el("span", { class: "c-score mono" }, el("span", { class: "score-num", text: score.toFixed(3) }), bar),
    el("span", { class: "c-wave" }, canvas),
    el("span", { class: "c-name" }, el("span", { class: "name", text: name }),
      el("span", { class: "folder", text: showFolder(folder) })),
    el("span", { class: "c-dur mono" }, el("span", { text: clock(duration) }),
      el("span", { class: "seg", text: `${clock(start)}–${clock(end)}` })),
    el("span", { class: "c-fmt mono" }, el("span", { class: "fmt", text: fmt }),
      el("span", { class: "sr", text: [rate(result.sample_rate), channels].filter(Boolean).join(" ") })),
    el("span", { class: "c-act" },
      el("button", { type: "button", class: "play", tabindex: "-1", "data-action": "play",
        "aria-label": `Play the matched segment of ${name}`, title: "Play segment (Space)", text: "▶" }),
      el("button", { type: "button", class: "more", tabindex: "-1", "data-action": "more",
        "aria-label": `More like ${name}`, title: "More like this (Shift+Enter)", text: "More like this" })),
  );
  return li;
}

// Client-side exports of the current result list: M3U playlist, CSV and JSON, as Blob downloads.

import { audioUrl } from "./api.js";

const COLUMNS = ["rank", "score", "name", "folder", "path", "start", "end", "duration", "format", "sample_rate",
  "channels", "size", "file_id", "segment_id", "url"];

function rows(results) {
  return results.map((r, i) => ({ rank: i + 1, ...r, url: audioUrl(r.file_id) }));
}

/** An extended M3U playlist: #EXTINF with the length in whole seconds and the name, then the absolute URL. */
export function toM3u(results) {
  const lines = ["#EXTM3U"];
  for (const r of rows(results)) {
    const title = `${r.name} [${r.start.toFixed(2)}-${r.end.toFixed(2)} s, score ${r.score.toFixed(3)}]`;
    lines.push(`#EXTINF:${Math.round(r.duration ?? -1)},${title.replace(/[\r\n]+/g, " ")}`, r.url);
  }
  return lines.join("\n") + "\n";
}

function csvField(value) {
  const s = value === null || value === undefined ? "" : String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** RFC 4180 CSV with a header row, one row per result in rank order. */
export function toCsv(results) {
  const lines = [COLUMNS.join(",")];
  for (const r of rows(results)) lines.push(COLUMNS.map((c) => csvField(r[c])).join(","));
  return lines.join("\r\n") + "\r\n";
}

/** The list as the API gave it, plus rank and absolute audio URLs. */
export function toJson(query, results) {
  return JSON.stringify({ query, results: rows(results) }, null, 2) + "\n";
}

/** Offer text as a file download. */
export function download(text, filename, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** A file name for the exported list, from the query ("a dog barking" -> "clapsearch-a-dog-barking"). */
export function exportName(query) {
  const slug = (query || "results").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 48);
  return `clapsearch-${slug || "results"}`;
}

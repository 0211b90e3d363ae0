// Waveform thumbnails on <canvas>: min/max peaks, the matched segment highlighted, a playhead.

const peaksCache = new Map();

/** Draw peaks ([[min, max], ...]) of a file of `duration` s with [start, end] marked and an optional playhead. */
export function drawWaveform(canvas, wave, start, end, playhead = null) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (!width || !height) return;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  const css = getComputedStyle(canvas);
  const color = (name) => css.getPropertyValue(name).trim();
  const duration = wave ? wave.duration : 0;
  const x0 = duration > 0 ? (start / duration) * width : 0;
  const x1 = duration > 0 ? Math.max(x0 + 1, (end / duration) * width) : 0;
  ctx.fillStyle = color("--wave-seg-bg");
  ctx.fillRect(x0, 0, x1 - x0, height);
  const mid = height / 2;
  ctx.fillStyle = color("--wave-axis");
  ctx.fillRect(0, Math.floor(mid), width, 1);
  if (wave && wave.peaks.length) {
    const n = wave.peaks.length;
    const step = width / n;
    // Scaled to the file's own peak (as a sound library's thumbnails are), up to 8x for very quiet files.
    const loudest = wave.peaks.reduce((m, [lo, hi]) => Math.max(m, -lo, hi), 0);
    const gain = loudest > 0 ? Math.min(8, 0.95 / loudest) : 1;
    for (let i = 0; i < n; i++) {
      const [lo, hi] = wave.peaks[i];
      const x = i * step;
      const inside = x + step > x0 && x < x1;
      ctx.fillStyle = inside ? color("--wave-seg") : color("--wave");
      const top = mid - Math.max(0, Math.min(1, hi * gain)) * (mid - 1);
      const bottom = mid - Math.max(-1, Math.min(0, lo * gain)) * (mid - 1);
      ctx.fillRect(x, top, Math.max(1, step - 0.4), Math.max(1, bottom - top));
    }
  }
  ctx.fillStyle = color("--wave-seg-edge");
  ctx.fillRect(Math.round(x0), 0, 1, height);
  ctx.fillRect(Math.round(x1) - 1, 0, 1, height);
  if (playhead !== null && duration > 0) {
    ctx.fillStyle = color("--playhead");
    ctx.fillRect(Math.round((playhead / duration) * width), 0, 1.5, height);
  }
}

/** The peaks of a file, fetched once per page (fetcher: (fileId) => Promise<{duration, peaks}>). */
export function loadPeaks(fileId, fetcher) {
  if (!peaksCache.has(fileId)) {
    const pending = fetcher(fileId).catch((err) => {
      peaksCache.delete(fileId);  // a failed fetch may be retried by the next search
      throw err;
    });
    peaksCache.set(fileId, pending);
  }
  return peaksCache.get(fileId);
}

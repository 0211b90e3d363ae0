// One <audio> element that plays a result's matched segment: seek to start, stop at end.

/** Plays [from, stopAt) of a file by URL and reports its position (onTick(time) while playing, on every frame). */
export class SegmentPlayer {
  constructor(audio, { onTick, onState }) {
    this.audio = audio;
    this.onTick = onTick;
    this.onState = onState;
    this.stopAt = Infinity;
    this.key = null;  // which result is loaded (the caller's id for it)
    this.frame = 0;
    audio.addEventListener("play", () => { this.loop(); this.onState(); });
    audio.addEventListener("pause", () => { cancelAnimationFrame(this.frame); this.onTick(audio.currentTime); this.onState(); });
    audio.addEventListener("ended", () => this.onState());
    // Frames stop in a hidden tab; the media clock's own events still end the segment there.
    audio.addEventListener("timeupdate", () => { if (audio.currentTime >= this.stopAt && this.playing) audio.pause(); });
  }

  get playing() {
    return !this.audio.paused && !this.audio.ended;
  }

  /** Play `url` from `from` seconds until `stopAt` seconds; `key` names the result for isPlaying(). */
  async play(key, url, from, stopAt) {
    const audio = this.audio;
    this.key = key;
    this.stopAt = stopAt;
    if (audio.src !== url) {
      audio.pause();
      audio.src = url;
      audio.preload = "auto";
      await new Promise((resolve, reject) => {
        const done = () => { audio.removeEventListener("error", fail); resolve(); };
        const fail = () => { audio.removeEventListener("loadedmetadata", done); reject(this.mediaError()); };
        audio.addEventListener("loadedmetadata", done, { once: true });
        audio.addEventListener("error", fail, { once: true });
      });
    }
    if (this.key !== key) return;  // another play() started meanwhile
    audio.currentTime = from;
    await audio.play();
  }

  /** Resume where it paused, unless that is at or past the stop point. Returns whether it resumed. */
  resume() {
    if (this.audio.currentTime >= this.stopAt - 0.01) return false;
    this.audio.play();
    return true;
  }

  pause() {
    this.audio.pause();
  }

  isPlaying(key) {
    return this.key === key && this.playing;
  }

  loop() {
    cancelAnimationFrame(this.frame);
    const tick = () => {
      const t = this.audio.currentTime;
      if (t >= this.stopAt) {
        this.audio.pause();  // the segment ends here; the pause handler reports the final position
        return;
      }
      this.onTick(t);
      this.frame = requestAnimationFrame(tick);
    };
    this.frame = requestAnimationFrame(tick);
  }

  mediaError() {
    const err = this.audio.error;
    const why = err ? ({ 1: "aborted", 2: "network error", 3: "cannot decode", 4: "format not supported" }[err.code]
      || err.message) : "unknown error";
    return new Error(`cannot play this file in the browser (${why})`);
  }
}

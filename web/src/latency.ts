// Built-in latency meter: reads the test source's timestamp strip from the picture the operator is watching
// and compares it with the server's clock. Same layout as src/vistterstream/sources/strip.py.

const TAG_BITS = 8;
const TIME_BITS = 32;
const CHECK_BITS = 8;
export const CELLS = 2 + TAG_BITS + TIME_BITS + CHECK_BITS;
const WINDOW_MS = 10_000;

export function stripHeight(frameHeight: number): number {
  return Math.max(8, Math.floor(Math.round(frameHeight / 45) / 2) * 2);
}

function check(tag: number, ms32: number): number {
  let total = tag;
  for (let shift = 0; shift < 32; shift += 8) total += Math.floor(ms32 / 2 ** shift) & 0xff;
  return (total ^ 0xa5) & 0xff;
}

/** Decode the strip from RGBA pixels of the frame's top `rows` rows; null when absent or damaged. */
export function readStrip(rgba: Uint8ClampedArray, width: number, frameHeight: number): { tag: number; ms32: number } | null {
  const rows = stripHeight(frameHeight);
  const top = Math.floor(rows / 4);
  const bottom = Math.max(top + 1, Math.floor((rows * 3) / 4));
  const bits: number[] = [];
  for (let i = 0; i < CELLS; i++) {
    const left = Math.round((i * width) / CELLS);
    const right = Math.round(((i + 1) * width) / CELLS);
    const quarter = Math.max(0, Math.floor((right - left) / 4));
    let sum = 0;
    let count = 0;
    for (let y = top; y < bottom; y++) {
      for (let x = left + quarter; x < Math.max(left + quarter + 1, right - quarter); x++) {
        const p = (y * width + x) * 4;
        sum += 0.299 * rgba[p] + 0.587 * rgba[p + 1] + 0.114 * rgba[p + 2];
        count++;
      }
    }
    bits.push(sum / Math.max(1, count) > 128 ? 1 : 0);
  }
  if (bits[0] !== 1 || bits[1] !== 0) return null;
  const field = (from: number, n: number) => bits.slice(from, from + n).reduce((v, b) => v * 2 + b, 0);
  const tag = field(2, TAG_BITS);
  const ms32 = field(2 + TAG_BITS, TIME_BITS);
  if (check(tag, ms32) !== field(2 + TAG_BITS + TIME_BITS, CHECK_BITS)) return null;
  return { tag, ms32 };
}

/** The full epoch-ms value congruent to `ms32` closest to `referenceMs` (the 32-bit field wraps every 49 days). */
export function unwrapMs(ms32: number, referenceMs: number): number {
  const base = referenceMs - (referenceMs % 2 ** 32);
  return [base - 2 ** 32 + ms32, base + ms32, base + 2 ** 32 + ms32].reduce((a, b) =>
    Math.abs(a - referenceMs) <= Math.abs(b - referenceMs) ? a : b);
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  max: number;
}

export function summarize(samples: number[]): LatencySummary | null {
  if (samples.length === 0) return null;
  return { count: samples.length, p50: percentile(samples, 50), p95: percentile(samples, 95), max: Math.max(...samples) };
}

/** Server clock minus browser clock in ms, from the quickest of a few round trips. */
export async function clockOffset(rounds = 5): Promise<number> {
  let best = { rtt: Infinity, offset: 0 };
  for (let i = 0; i < rounds; i++) {
    const t0 = Date.now();
    const response = await fetch("/api/preview/clock", { cache: "no-store" });
    const { now } = (await response.json()) as { now: number };
    const t1 = Date.now();
    if (t1 - t0 < best.rtt) best = { rtt: t1 - t0, offset: now * 1000 - (t0 + t1) / 2 };
  }
  return best.offset;
}

type FrameCallbackVideo = HTMLVideoElement & {
  requestVideoFrameCallback?: (cb: (now: number, meta: { expectedDisplayTime: number }) => void) => number;
  cancelVideoFrameCallback?: (handle: number) => void;
};

/** Samples glass-to-glass latency (seconds) of the frames `video` shows, about five times a second. */
export class LatencyMeter {
  samples: { at: number; seconds: number }[] = []; // the last ten seconds, for the display
  recorded: number[] = []; // every sample since start (capped), for benchmarks
  misses = 0;
  private canvas = document.createElement("canvas");
  private stopped = false;
  private handle = 0;
  private lastSample = 0;

  constructor(private video: FrameCallbackVideo, private offsetMs: number) {}

  start(): void {
    const next = () => {
      if (this.stopped) return;
      if (this.video.requestVideoFrameCallback) {
        this.handle = this.video.requestVideoFrameCallback((_now, meta) => {
          this.sample(performance.timeOrigin + meta.expectedDisplayTime);
          next();
        });
      } else {
        this.handle = window.setTimeout(() => {
          this.sample(Date.now());
          next();
        }, 200);
      }
    };
    next();
  }

  stop(): void {
    this.stopped = true;
    if (this.video.cancelVideoFrameCallback) this.video.cancelVideoFrameCallback(this.handle);
    window.clearTimeout(this.handle);
  }

  private sample(displayedAtMs: number): void {
    if (displayedAtMs - this.lastSample < 200) return;
    this.lastSample = displayedAtMs;
    const { videoWidth: width, videoHeight: height } = this.video;
    if (!width || !height) return;
    const rows = stripHeight(height);
    this.canvas.width = width;
    this.canvas.height = rows;
    const context = this.canvas.getContext("2d", { willReadFrequently: true });
    if (!context) return;
    context.drawImage(this.video, 0, 0, width, rows, 0, 0, width, rows);
    const stamp = readStrip(context.getImageData(0, 0, width, rows).data, width, height);
    if (!stamp) {
      this.misses++;
      return;
    }
    const now = displayedAtMs + this.offsetMs;
    const captured = unwrapMs(stamp.ms32, now);
    const seconds = (now - captured) / 1000;
    this.samples.push({ at: now, seconds });
    if (this.recorded.length < 20_000) this.recorded.push(seconds);
    this.samples = this.samples.filter((s) => now - s.at <= WINDOW_MS);
  }

  summary(): LatencySummary | null {
    return summarize(this.samples.map((s) => s.seconds));
  }
}

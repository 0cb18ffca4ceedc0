import { describe, expect, it } from "vitest";
import { CELLS, percentile, readStrip, stripHeight, summarize, unwrapMs } from "./latency";
import { chase, LIVE_EDGE, monitorUrl } from "./lowLatency";
import { describeLatency } from "./PreviewMonitor";

/** RGBA rows of a strip drawn the way sources/strip.py draws it (limited-range white/black after RGB conversion). */
function drawStrip(width: number, frameHeight: number, tag: number, ms: number): Uint8ClampedArray {
  const ms32 = ms % 2 ** 32;
  let total = tag;
  for (let shift = 0; shift < 32; shift += 8) total += Math.floor(ms32 / 2 ** shift) & 0xff;
  const checkValue = (total ^ 0xa5) & 0xff;
  const bits = [1, 0];
  const push = (value: number, n: number) => { for (let i = n - 1; i >= 0; i--) bits.push(Math.floor(value / 2 ** i) & 1); };
  push(tag, 8); push(ms32, 32); push(checkValue, 8);
  const rows = stripHeight(frameHeight);
  const rgba = new Uint8ClampedArray(width * rows * 4);
  for (let i = 0; i < CELLS; i++) {
    const left = Math.round((i * width) / CELLS);
    const right = Math.round(((i + 1) * width) / CELLS);
    for (let y = 0; y < rows; y++) for (let x = left; x < right; x++) {
      const p = (y * width + x) * 4;
      const level = bits[i] ? 250 : 5;
      rgba.set([level, level, level, 255], p);
    }
  }
  return rgba;
}

describe("latency meter", () => {
  it("reads the strip at any size and rejects damage", () => {
    const ms = 1_764_000_123_456;
    for (const [w, h] of [[1920, 1080], [1280, 720], [640, 360]]) {
      const stamp = readStrip(drawStrip(w, h, 7, ms), w, h);
      expect(stamp).toEqual({ tag: 7, ms32: ms % 2 ** 32 });
      expect(unwrapMs(stamp!.ms32, ms + 250)).toBe(ms);
    }
    const damaged = drawStrip(640, 360, 7, ms);
    damaged.fill(255, 0, 640 * 4 * 8); // the top rows washed out
    expect(readStrip(damaged, 640, 360)).toBeNull();
    expect(readStrip(new Uint8ClampedArray(640 * 8 * 4), 640, 360)).toBeNull(); // plain black picture
  });

  it("unwraps across the 32-bit boundary", () => {
    expect(unwrapMs(10, 2 ** 32 * 5 - 20)).toBe(2 ** 32 * 5 + 10);
    expect(unwrapMs(2 ** 32 - 10, 2 ** 32 * 5 + 20)).toBe(2 ** 32 * 5 - 10);
  });

  it("summarizes and explains", () => {
    const values = Array.from({ length: 100 }, (_, i) => (i + 1) / 100);
    expect(percentile(values, 50)).toBe(0.5);
    expect(percentile(values, 95)).toBe(0.95);
    expect(summarize([])).toBeNull();
    expect(describeLatency(summarize([0.3, 0.31, 0.5]), 0)).toBe("Latency 0.31 s (median of the last 10 s; 95 % under 0.50 s)");
    expect(describeLatency(null, 50)).toMatch(/test-pattern camera/);
  });
});

describe("low-latency monitor", () => {
  it("follows the live edge: plays, catches up gently, jumps when far behind or outside the buffer", () => {
    expect(chase(10, 0, 10.1)).toEqual({ seek: null, rate: 1 });
    expect(chase(10, 0, 10.5)).toEqual({ seek: null, rate: 1.15 });
    expect(chase(10, 0, 12)).toEqual({ seek: 12 - LIVE_EDGE.target, rate: 1 });
    expect(chase(3, 5, 5.05)).toEqual({ seek: 5, rate: 1 }); // a gap after dropped data
  });
  it("uses wss behind https", () => {
    expect(monitorUrl({ protocol: "http:", host: "127.0.0.1:8000" })).toBe("ws://127.0.0.1:8000/api/preview/monitor");
    expect(monitorUrl({ protocol: "https:", host: "studio.local" })).toBe("wss://studio.local/api/preview/monitor");
  });
});

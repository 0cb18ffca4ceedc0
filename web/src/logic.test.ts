import { describe, expect, it } from "vitest";
import { errorMessage, type PreviewStatus } from "./api";
import { badgeFor, formatBitrate } from "./PreviewMonitor";
import { HLS_CONFIG } from "./player";

const base: PreviewStatus = {
  is_active: false, mode: "idle", timeline_id: null, timeline_name: null, hls_url: null, server_healthy: true,
  position: null, duration: null, busy: false, destinations: [],
};

describe("badge", () => {
  it("shows OFFLINE, PREVIEW and a red LIVE", () => {
    expect(badgeFor(null).text).toBe("OFFLINE");
    expect(badgeFor(base).text).toBe("OFFLINE");
    expect(badgeFor({ ...base, mode: "preview" })).toEqual({ text: "PREVIEW", kind: "preview" });
    expect(badgeFor({ ...base, mode: "live" })).toEqual({ text: "LIVE", kind: "live" });
  });
});

describe("error messages", () => {
  it("prefers the server's explanation, names fields, never shows raw data", () => {
    expect(errorMessage(400, { detail: "No preview is running." })).toBe("No preview is running.");
    expect(errorMessage(422, { detail: [{ field: "destination_ids", msg: "too short" }] })).toBe("destination_ids: too short");
    expect(errorMessage(422, { message: "timeline_id: missing", detail: [] })).toBe("timeline_id: missing");
    expect(errorMessage(0, null)).toMatch(/cannot be reached/);
    expect(errorMessage(500, null)).toMatch(/service log/);
  });
});

describe("player settings", () => {
  it("keeps the seed's low-latency values", () => {
    expect(HLS_CONFIG).toMatchObject({ maxBufferLength: 2, maxMaxBufferLength: 4, liveSyncDuration: 1,
      liveMaxLatencyDuration: 3, lowLatencyMode: true, backBufferLength: 0 });
  });
  it("formats bitrates", () => {
    expect(formatBitrate(4_500_000)).toBe("4.5 Mbit/s");
    expect(formatBitrate(320_000)).toBe("320 kbit/s");
  });
});

import { describe, expect, it } from "vitest";
import { errorMessage, type PreviewStatus } from "./api";
import { badgeFor, formatBitrate } from "./PreviewMonitor";
import { HLS_CONFIG } from "./player";
import { checkDraft, cuePath, extrapolate, move, newShot, shotAt, spans, toBody, toDraft } from "./timeline";

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

describe("timeline draft", () => {
  const timeline = {
    id: 1, name: " Show ", width: 1280, height: 720, fps: 30, quality: "medium" as const, loop: true, duration: 30,
    cues: [
      { position: 1, action: "clock" as const, camera_id: null, start: 5, duration: 10, transition: "cut" as const, transition_duration: 0, params: { format: "%H:%M" } },
      { position: 2, action: "show_camera" as const, camera_id: 4, start: 0, duration: 20, transition: "fade" as const, transition_duration: 2, params: {} },
      { position: 0, action: "show_camera" as const, camera_id: 3, start: 0, duration: 10, transition: "cut" as const, transition_duration: 0, params: {} },
    ],
  };

  it("round-trips cues, shots first in their order, and trims the name", () => {
    const body = toBody(toDraft(timeline));
    expect(body.name).toBe("Show");
    expect(body.cues).toEqual([
      { action: "show_camera", camera_id: 3, duration: 10, transition: "cut", transition_duration: 0 },
      { action: "show_camera", camera_id: 4, duration: 20, transition: "fade", transition_duration: 2 },
      { action: "clock", start: 5, duration: 10, params: { format: "%H:%M" } },
    ]);
  });

  it("maps rows to the API's field paths and checks what the server would refuse", () => {
    const draft = toDraft(timeline);
    expect(cuePath(draft, "shot", 1, "duration")).toBe("cues.1.duration");
    expect(cuePath(draft, "overlay", 0, "start")).toBe("cues.2.start");
    expect(checkDraft(draft)).toEqual({});
    draft.shots[1].transition_duration = 25;
    draft.shots.push({ ...newShot(0), duration: Number.NaN });
    draft.name = "  ";
    expect(checkDraft(draft)).toEqual({
      name: "give the timeline a name",
      "cues.1.transition_duration": "the fade cannot be longer than the shot",
      "cues.2.camera_id": "choose a camera",
      "cues.2.duration": "must be more than 0 seconds",
    });
  });

  it("moves, spans and finds the shot on air", () => {
    expect(move([1, 2, 3], 0, -1)).toEqual([1, 2, 3]);
    expect(move([1, 2, 3], 0, 1)).toEqual([2, 1, 3]);
    const shots = toDraft(timeline).shots;
    expect(spans(shots)).toEqual([{ start: 0, width: 1 / 3 }, { start: 1 / 3, width: 2 / 3 }]);
    expect([shotAt(shots, 0), shotAt(shots, 9.99), shotAt(shots, 10), shotAt(shots, 30)]).toEqual([0, 0, 1, -1]);
  });

  it("extrapolates the playhead between status updates and wraps when looping", () => {
    expect(extrapolate(28, 0.5, 30, true)).toBeCloseTo(28.5);
    expect(extrapolate(29.5, 1, 30, true)).toBeCloseTo(0.5);
    expect(extrapolate(29.5, 1, 30, false)).toBe(30);
    expect(extrapolate(3, -2, 30, true)).toBe(3);
  });
});

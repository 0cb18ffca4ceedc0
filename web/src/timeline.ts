// The timeline editor's model: a draft the operator edits freely, converted to and from the API's cue list.
import type { Cue, OverlayAction, Quality, Timeline, TimelineBody, TimelineSettings } from "./api";

export interface Shot {
  key: number;
  camera_id: number;
  duration: number;
  transition: "cut" | "fade";
  transition_duration: number;
}

export interface Overlay {
  key: number;
  action: OverlayAction;
  start: number;
  duration: number | null;
  params: Record<string, unknown>;
}

export interface Draft extends TimelineSettings {
  shots: Shot[];
  overlays: Overlay[];
}

export const RESOLUTIONS = [
  { label: "480p (854×480)", width: 854, height: 480 },
  { label: "720p (1280×720)", width: 1280, height: 720 },
  { label: "1080p (1920×1080)", width: 1920, height: 1080 },
  { label: "1440p (2560×1440)", width: 2560, height: 1440 },
  { label: "4K (3840×2160)", width: 3840, height: 2160 },
];
export const FRAME_RATES = [24, 25, 30, 50, 60];
export const QUALITIES: { value: Quality; label: string }[] = [
  { value: "low", label: "Low (smaller upload)" },
  { value: "medium", label: "Medium" },
  { value: "high", label: "High (needs a fast uplink)" },
];
export const POSITIONS = ["top-left", "top", "top-right", "left", "center", "right", "bottom-left", "bottom", "bottom-right"];

let nextKey = 1;
const key = () => nextKey++;

export function toDraft(timeline: Timeline): Draft {
  const cues = [...timeline.cues].sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
  return {
    name: timeline.name, width: timeline.width, height: timeline.height, fps: timeline.fps,
    quality: timeline.quality, loop: timeline.loop,
    shots: cues.filter((c) => c.action === "show_camera").map((c) => ({
      key: key(), camera_id: c.camera_id ?? 0, duration: c.duration ?? 10, transition: c.transition,
      transition_duration: c.transition === "fade" ? c.transition_duration : 0.5,
    })),
    overlays: cues.filter((c): c is Cue & { action: OverlayAction } => c.action !== "show_camera").map((c) => ({
      key: key(), action: c.action, start: c.start, duration: c.duration, params: { ...c.params },
    })),
  };
}

/** Shots first, then overlays: a server error on `cues.N` points at `cueAt(draft, N)`. */
export function toBody(draft: Draft): TimelineBody {
  const shots = draft.shots.map((s) => ({
    action: "show_camera", camera_id: s.camera_id, duration: s.duration, transition: s.transition,
    transition_duration: s.transition === "fade" ? s.transition_duration : 0,
  }));
  const overlays = draft.overlays.map((o) => ({ action: o.action, start: o.start, duration: o.duration, params: o.params }));
  const { name, width, height, fps, quality, loop } = draft;
  return { name: name.trim(), width, height, fps, quality, loop, cues: [...shots, ...overlays] };
}

/** The API field path of a cue's field, e.g. `cues.3.duration`, so server errors land on the right input. */
export function cuePath(draft: Draft, kind: "shot" | "overlay", index: number, field: string): string {
  return `cues.${kind === "shot" ? index : draft.shots.length + index}.${field}`;
}

export function newShot(cameraId: number): Shot {
  return { key: key(), camera_id: cameraId, duration: 10, transition: "cut", transition_duration: 0.5 };
}

export function newOverlay(action: OverlayAction): Overlay {
  const params: Record<OverlayAction, Record<string, unknown>> = {
    text: { text: "Live from VistterStream", position: "bottom-left", size: 48, color: "#ffffff", background: "#00000099" },
    clock: { format: "%H:%M:%S", position: "top-right", size: 40, color: "#ffffff", background: "#00000099" },
    image: { path: "", position: "top-left", width: 240, opacity: 1 },
  };
  return { key: key(), action, start: 0, duration: null, params: params[action] };
}

export function move<T>(items: T[], index: number, by: -1 | 1): T[] {
  const to = index + by;
  if (to < 0 || to >= items.length) return items;
  const copy = [...items];
  [copy[index], copy[to]] = [copy[to], copy[index]];
  return copy;
}

export function totalDuration(shots: Shot[]): number {
  return shots.reduce((sum, s) => sum + (Number.isFinite(s.duration) && s.duration > 0 ? s.duration : 0), 0);
}

/** Each shot's start and share of the bar (0–1), for drawing the timeline strip. */
export function spans(shots: Shot[]): { start: number; width: number }[] {
  const total = totalDuration(shots);
  let at = 0;
  return shots.map((s) => {
    const length = Number.isFinite(s.duration) && s.duration > 0 ? s.duration : 0;
    const span = { start: total ? at / total : 0, width: total ? length / total : 0 };
    at += length;
    return span;
  });
}

/** Index of the shot on air at `position` seconds into the loop, or -1. */
export function shotAt(shots: Shot[], position: number): number {
  let at = 0;
  for (let i = 0; i < shots.length; i++) {
    at += shots[i].duration;
    if (position < at) return i;
  }
  return -1;
}

/** The playhead between two status updates: advance with the wall clock, wrap when the timeline loops. */
export function extrapolate(position: number, elapsedSeconds: number, duration: number, loop: boolean): number {
  const now = position + Math.max(0, elapsedSeconds);
  if (duration <= 0) return 0;
  return loop ? now % duration : Math.min(now, duration);
}

/** Problems the operator can fix before saving; keys are API field paths so they show next to the inputs. */
export function checkDraft(draft: Draft): Record<string, string> {
  const problems: Record<string, string> = {};
  if (!draft.name.trim()) problems.name = "give the timeline a name";
  draft.shots.forEach((s, i) => {
    if (!s.camera_id) problems[cuePath(draft, "shot", i, "camera_id")] = "choose a camera";
    if (!(s.duration > 0)) problems[cuePath(draft, "shot", i, "duration")] = "must be more than 0 seconds";
    else if (s.transition === "fade" && s.transition_duration > s.duration)
      problems[cuePath(draft, "shot", i, "transition_duration")] = "the fade cannot be longer than the shot";
  });
  draft.overlays.forEach((o, i) => {
    if (!(o.start >= 0)) problems[cuePath(draft, "overlay", i, "start")] = "must be 0 or more seconds";
    if (o.duration !== null && !(o.duration > 0)) problems[cuePath(draft, "overlay", i, "duration")] = "must be more than 0 (or empty = until the end)";
    if (o.action === "text" && !String(o.params.text ?? "").trim()) problems[cuePath(draft, "overlay", i, "params.text")] = "type the text to show";
    if (o.action === "image" && !String(o.params.path ?? "").startsWith("/"))
      problems[cuePath(draft, "overlay", i, "params.path")] = "an absolute path to a PNG or JPEG on the appliance, e.g. /var/lib/vistterstream/media/logo.png";
  });
  return problems;
}

export function formatSeconds(seconds: number): string {
  const s = Math.max(0, seconds);
  const m = Math.floor(s / 60);
  return `${m}:${(s - m * 60).toFixed(1).padStart(4, "0")}`;
}

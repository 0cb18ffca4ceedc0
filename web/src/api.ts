// Thin typed client for the app's API. Every failure becomes an ApiError whose message is the server's
// operator-readable explanation (never a stack trace).

export type Mode = "idle" | "preview" | "live";

export interface DestinationStatus {
  destination_id: number;
  name: string;
  platform: string;
  url: string;
  state: "connecting" | "live" | "retrying" | "failed" | "stopped";
  bytes_sent: number;
  bitrate: number;
  reconnects: number;
  last_error: string | null;
  next_retry_in: number | null;
}

export interface PreviewStatus {
  is_active: boolean;
  mode: Mode;
  timeline_id: number | null;
  timeline_name: string | null;
  hls_url: string | null;
  server_healthy: boolean;
  position: number | null;
  duration: number | null;
  busy: boolean;
  destinations: DestinationStatus[];
}

export type Platform = "youtube" | "facebook" | "twitch" | "custom";

export interface Destination {
  id: number;
  name: string;
  platform: Platform;
  rtmp_url: string;
  stream_key_masked: string | null;
  has_stream_key: boolean;
  is_active: boolean;
}

export interface DestinationBody {
  name: string;
  platform: Platform;
  rtmp_url?: string | null;
  stream_key?: string;
  is_active: boolean;
}

export interface PlatformPreset {
  platform: Platform;
  label: string;
  rtmp_url: string;
  key_help: string;
}

export type CameraType = "rtsp" | "rtmp" | "http" | "file" | "test";

export interface Camera {
  id: number;
  name: string;
  type: CameraType;
  url: string;
  enabled: boolean;
}

export type CameraBody = Omit<Camera, "id">;

export type Quality = "low" | "medium" | "high";
export type OverlayAction = "text" | "clock" | "image";

export interface Cue {
  id?: number;
  position?: number;
  track?: "video" | "overlay";
  action: "show_camera" | OverlayAction;
  camera_id: number | null;
  start: number;
  duration: number | null;
  transition: "cut" | "fade";
  transition_duration: number;
  params: Record<string, unknown>;
}

/** A timeline's own settings, as the API and the editor's draft both hold them. */
export interface TimelineSettings {
  name: string;
  width: number;
  height: number;
  fps: number;
  quality: Quality;
  loop: boolean;
}

export interface Timeline extends TimelineSettings {
  id: number;
  duration: number;
  cues: Cue[];
}

/** What PUT/POST /api/timelines take: the settings plus every cue (camera shots and overlays). */
export interface TimelineBody extends TimelineSettings {
  cues: Record<string, unknown>[];
}

export interface Failure {
  destination_id: number;
  name: string;
  error: string;
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly failures: Failure[] = [],
    /** Validation problems by field path as the API names them (`name`, `cues.2.duration`). */
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
  }
}

interface ErrorBody {
  code?: string;
  detail?: string | { field?: string; msg?: string }[];
  message?: string;
  failures?: Failure[];
}

export function fieldErrors(body: ErrorBody | null): Record<string, string> {
  const fields: Record<string, string> = {};
  if (Array.isArray(body?.detail)) {
    for (const e of body.detail) if (e.field && !(e.field in fields)) fields[e.field] = e.msg ?? "invalid";
  }
  return fields;
}

/** The message of any thrown value, for showing to the operator. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function errorMessage(status: number, body: ErrorBody | null): string {
  if (body?.message) return body.message;
  if (typeof body?.detail === "string") return body.detail;
  if (Array.isArray(body?.detail)) return body.detail.map((e) => `${e.field}: ${e.msg}`).join("; ");
  if (status === 0) return "The VistterStream server cannot be reached — is it running? (systemctl status vistterstream)";
  return `The server answered ${status} without an explanation; check the service log.`;
}

export interface AuthSession {
  login_required: boolean;
  username: string | null;
  csrf_token: string | null;
  preview_visible: boolean;
  message: string | null;
}

/** Fired when the server says the login is needed (never logged in, logged out elsewhere, idle too long). */
export const LOGIN_REQUIRED_EVENT = "vistterstream:login-required";

let csrfToken: string | null = null;

/** Remember the session's CSRF token: the server wants it back on every change while a login is in use. */
export function rememberSession(session: AuthSession): AuthSession {
  csrfToken = session.csrf_token;
  return session;
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  const headers: Record<string, string> = body === undefined ? {} : { "Content-Type": "application/json" };
  if (csrfToken && method !== "GET") headers["X-CSRF-Token"] = csrfToken;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(errorMessage(0, null), 0);
  }
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!response.ok) {
    const errorBody = parsed as ErrorBody | null;
    if (response.status === 401 && errorBody?.code === "login_required") window.dispatchEvent(new Event(LOGIN_REQUIRED_EVENT));
    throw new ApiError(errorMessage(response.status, errorBody), response.status, errorBody?.failures ?? [],
      fieldErrors(errorBody));
  }
  return parsed as T;
}

export const api = {
  session: () => request<AuthSession>("GET", "/api/auth/session").then(rememberSession),
  login: (username: string, password: string) =>
    request<AuthSession>("POST", "/api/auth/login", { username, password }).then(rememberSession),
  logout: () => request<AuthSession>("POST", "/api/auth/logout").then(rememberSession),
  status: () => request<PreviewStatus>("GET", "/api/preview/status"),
  health: () => request<{ status: string; detail: string | null }>("GET", "/api/preview/health"),
  timelines: () => request<Timeline[]>("GET", "/api/timelines"),
  createTimeline: (body: TimelineBody) => request<Timeline>("POST", "/api/timelines", body),
  saveTimeline: (id: number, body: TimelineBody) => request<Timeline>("PUT", `/api/timelines/${id}`, body),
  deleteTimeline: (id: number) => request<null>("DELETE", `/api/timelines/${id}`),
  cameras: () => request<Camera[]>("GET", "/api/cameras"),
  createCamera: (body: CameraBody) => request<Camera>("POST", "/api/cameras", body),
  saveCamera: (id: number, body: CameraBody) => request<Camera>("PUT", `/api/cameras/${id}`, body),
  deleteCamera: (id: number) => request<null>("DELETE", `/api/cameras/${id}`),
  destinations: () => request<Destination[]>("GET", "/api/destinations"),
  activeDestinations: () => request<Destination[]>("GET", "/api/destinations?active=true"),
  presets: () => request<PlatformPreset[]>("GET", "/api/destinations/presets"),
  createDestination: (body: DestinationBody) => request<Destination>("POST", "/api/destinations", body),
  saveDestination: (id: number, body: DestinationBody) => request<Destination>("PUT", `/api/destinations/${id}`, body),
  deleteDestination: (id: number) => request<null>("DELETE", `/api/destinations/${id}`),
  start: (timelineId: number) => request<{ message: string; hls_url: string }>("POST", "/api/preview/start", { timeline_id: timelineId }),
  stop: () => request<{ message: string }>("POST", "/api/preview/stop"),
  goLive: (ids: number[]) =>
    request<{ message: string; destinations: string[]; failures: Failure[] }>("POST", "/api/preview/go-live", {
      destination_ids: ids,
    }),
  stopLive: () => request<{ message: string }>("POST", "/api/preview/stop-live"),
  changeDestinations: (add: number[], remove: number[]) =>
    request<{ message: string; failures: Failure[] }>("POST", "/api/preview/destinations", { add, remove }),
};

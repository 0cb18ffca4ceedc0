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

export interface Destination {
  id: number;
  name: string;
  platform: string;
  rtmp_url: string;
  stream_key_masked: string | null;
  is_active: boolean;
}

export interface Timeline {
  id: number;
  name: string;
  width: number;
  height: number;
  fps: number;
  duration: number;
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
  ) {
    super(message);
  }
}

interface ErrorBody {
  detail?: string | { field?: string; msg?: string }[];
  message?: string;
  failures?: Failure[];
}

export function errorMessage(status: number, body: ErrorBody | null): string {
  if (body?.message) return body.message;
  if (typeof body?.detail === "string") return body.detail;
  if (Array.isArray(body?.detail)) return body.detail.map((e) => `${e.field}: ${e.msg}`).join("; ");
  if (status === 0) return "The VistterStream server cannot be reached — is it running? (systemctl status vistterstream)";
  return `The server answered ${status} without an explanation; check the service log.`;
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
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
    throw new ApiError(errorMessage(response.status, errorBody), response.status, errorBody?.failures ?? []);
  }
  return parsed as T;
}

export const api = {
  status: () => request<PreviewStatus>("GET", "/api/preview/status"),
  timelines: () => request<Timeline[]>("GET", "/api/timelines"),
  activeDestinations: () => request<Destination[]>("GET", "/api/destinations?active=true"),
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

// @vitest-environment jsdom
// Components against a scripted fetch: what the operator sees and what is sent to the API.
import { act, cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AuthSession, Camera, Destination, PreviewStatus, Timeline } from "./api";
import { App } from "./App";
import { CamerasPage } from "./CamerasPage";
import { DestinationsPage } from "./DestinationsPage";
import { PICTURE_LOCAL_ONLY } from "./PreviewMonitor";
import { TimelineEditor } from "./TimelineEditor";

type Handler = (body: unknown) => [number, unknown];
let routes: Record<string, Handler>;
let sent: { method: string; path: string; body: unknown; headers: Record<string, string> }[];

beforeEach(() => {
  routes = {};
  sent = [];
  vi.stubGlobal("fetch", async (path: string, init: RequestInit = {}) => {
    const method = init.method ?? "GET";
    const body = init.body ? JSON.parse(String(init.body)) : undefined;
    sent.push({ method, path, body, headers: (init.headers ?? {}) as Record<string, string> });
    const handler = routes[`${method} ${path}`];
    const [status, payload] = handler ? handler(body) : [404, { detail: `no route ${method} ${path}` }];
    return new Response(payload === null ? null : JSON.stringify(payload), { status });
  });
  vi.stubGlobal("confirm", () => true);
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const flush = () => act(async () => new Promise((r) => setTimeout(r, 0)));

const cameras: Camera[] = [
  { id: 1, name: "Red cam", type: "test", url: "test://?color=ff0000", enabled: true },
  { id: 2, name: "Blue cam", type: "test", url: "test://?color=0000ff", enabled: true },
];
const show: Timeline = {
  id: 7, name: "Show", width: 1280, height: 720, fps: 30, quality: "medium", loop: true, duration: 15,
  cues: [
    { position: 0, track: "video", action: "show_camera", camera_id: 1, start: 0, duration: 10, transition: "cut", transition_duration: 0, params: {} },
    { position: 1, track: "video", action: "show_camera", camera_id: 2, start: 0, duration: 5, transition: "fade", transition_duration: 1, params: {} },
    { position: 2, track: "overlay", action: "text", camera_id: null, start: 0, duration: null, transition: "cut", transition_duration: 0,
      params: { text: "Hello", position: "bottom-left", size: 48, color: "#ffffff", background: "#00000099" } },
  ],
};
const idle: PreviewStatus = {
  is_active: false, mode: "idle", timeline_id: null, timeline_name: null, hls_url: null, server_healthy: true,
  position: null, duration: null, busy: false, destinations: [],
};

function editor(status: PreviewStatus = idle, onSaved = vi.fn()) {
  render(<TimelineEditor timeline={show} cameras={cameras} status={status} onSaved={onSaved} onDeleted={vi.fn()} onDirty={vi.fn()} />);
  return onSaved;
}

describe("timeline editor", () => {
  it("shows the shots in order and saves reordered, added and removed cues", async () => {
    const onSaved = editor();
    routes["PUT /api/timelines/7"] = (body) => [200, { ...show, ...(body as object) }];
    const rows = () => screen.getAllByTestId("shot-row");
    expect(rows()).toHaveLength(2);
    expect((screen.getByRole("button", { name: "Save timeline" }) as HTMLButtonElement).disabled).toBe(true);

    fireEvent.click(screen.getByRole("button", { name: "Move shot 2 earlier" }));
    fireEvent.click(screen.getByRole("button", { name: "+ Add camera shot" }));
    fireEvent.click(screen.getByRole("button", { name: "+ Clock" }));
    fireEvent.click(screen.getByRole("button", { name: "Remove overlay 1" }));
    expect(screen.getByText("Unsaved changes")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Save timeline" }));
    await flush();

    const put = sent.find((r) => r.method === "PUT")!;
    const cues = (put.body as { cues: Record<string, unknown>[] }).cues;
    expect(cues.map((c) => [c.action, c.camera_id ?? null, c.duration])).toEqual([
      ["show_camera", 2, 5], ["show_camera", 1, 10], ["show_camera", 1, 10], ["clock", null, null],
    ]);
    expect(cues[0]).toMatchObject({ transition: "fade", transition_duration: 1 });
    expect(cues[1]).toMatchObject({ transition: "cut", transition_duration: 0 });
    expect(onSaved).toHaveBeenCalledOnce();
    expect(screen.getByRole("status").textContent).toBe("Saved.");
  });

  it("names the field to fix and sends nothing while the draft is invalid", async () => {
    editor();
    const seconds = within(screen.getAllByTestId("shot-row")[0]).getByLabelText("Seconds");
    fireEvent.change(seconds, { target: { value: "" } });
    fireEvent.click(screen.getByRole("button", { name: "Save timeline" }));
    await flush();
    expect(sent.filter((r) => r.method === "PUT")).toHaveLength(0);
    expect(within(screen.getAllByTestId("shot-row")[0]).getByText("must be more than 0 seconds")).toBeTruthy();
    expect(screen.getByText(/fix the fields marked in red/)).toBeTruthy();
  });

  it("puts a server validation error next to the input it is about", async () => {
    editor();
    routes["PUT /api/timelines/7"] = () => [422, {
      message: "cues.2.params.text: String should have at most 200 characters",
      detail: [{ field: "cues.2.params.text", msg: "String should have at most 200 characters" }],
    }];
    fireEvent.change(within(screen.getByTestId("overlay-row")).getByLabelText("Text"), { target: { value: "Changed" } });
    fireEvent.click(screen.getByRole("button", { name: "Save timeline" }));
    await flush();
    expect(within(screen.getByTestId("overlay-row")).getByText("String should have at most 200 characters")).toBeTruthy();
    expect(screen.getByText(/^Nothing saved: cues.2.params.text/)).toBeTruthy();
  });

  it("draws the playhead where the running program is and marks the shot on air", () => {
    editor({ ...idle, is_active: true, mode: "preview", timeline_id: 7, timeline_name: "Show", position: 12.5, duration: 15 });
    const playhead = screen.getByTestId("playhead");
    expect(Number(playhead.dataset.position)).toBeGreaterThanOrEqual(12.5);
    expect(parseFloat(playhead.style.left)).toBeCloseTo((12.5 / 15) * 100, 0);
    expect(screen.getAllByTestId("shot-row")[1].className).toContain("on-air");
  });

  it("shows no playhead when another timeline is running", () => {
    editor({ ...idle, is_active: true, mode: "live", timeline_id: 99, position: 3, duration: 10 });
    expect(screen.queryByTestId("playhead")).toBeNull();
  });
});

const youtube: Destination = {
  id: 3, name: "Channel", platform: "youtube", rtmp_url: "rtmp://a.rtmp.youtube.com/live2",
  stream_key_masked: "••••9xyz", has_stream_key: true, is_active: true,
};
const presets = [
  { platform: "youtube", label: "YouTube", rtmp_url: "rtmp://a.rtmp.youtube.com/live2", key_help: "YouTube Studio → Go live." },
  { platform: "twitch", label: "Twitch", rtmp_url: "rtmp://live.twitch.tv/app", key_help: "Twitch dashboard." },
  { platform: "custom", label: "Custom RTMP/RTMPS server", rtmp_url: "", key_help: "Ask the server's admin." },
];

describe("destinations page", () => {
  beforeEach(() => {
    routes["GET /api/destinations"] = () => [200, [youtube]];
    routes["GET /api/destinations/presets"] = () => [200, presets];
  });

  it("never shows the stored key and keeps it when an edit leaves the key field empty", async () => {
    render(<DestinationsPage />);
    await flush();
    expect(screen.getByText("key ••••9xyz")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Edit" }));
    const key = screen.getByLabelText("Stream key") as HTMLInputElement;
    expect(key.type).toBe("password");
    expect(key.value).toBe("");
    expect(key.placeholder).toContain("••••9xyz is stored");
    routes["PUT /api/destinations/3"] = (body) => [200, { ...youtube, ...(body as object) }];
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "Main channel" } });
    fireEvent.click(screen.getByRole("button", { name: "Save destination" }));
    await flush();
    const put = sent.find((r) => r.method === "PUT")!;
    expect(put.body).toEqual({ name: "Main channel", platform: "youtube", rtmp_url: "rtmp://a.rtmp.youtube.com/live2", is_active: true });
    expect(screen.getByRole("status").textContent).toContain("Saved");
  });

  it("fills the platform's server URL and says where to find the key", async () => {
    render(<DestinationsPage />);
    await flush();
    fireEvent.click(screen.getByRole("button", { name: "+ Add destination" }));
    fireEvent.change(screen.getByLabelText("Platform"), { target: { value: "twitch" } });
    expect((screen.getByLabelText("Server URL (rtmp:// or rtmps://)") as HTMLInputElement).value).toBe("rtmp://live.twitch.tv/app");
    expect(screen.getByText(/Twitch dashboard/)).toBeTruthy();
    fireEvent.change(screen.getByLabelText("Platform"), { target: { value: "custom" } });
    expect((screen.getByLabelText("Server URL (rtmp:// or rtmps://)") as HTMLInputElement).value).toBe("");
  });

  it("shows the API's field error under the field", async () => {
    render(<DestinationsPage />);
    await flush();
    fireEvent.click(screen.getByRole("button", { name: "+ Add destination" }));
    routes["POST /api/destinations"] = () => [422, {
      message: "stream_key: YouTube needs a stream key", detail: [{ field: "stream_key", msg: "YouTube needs a stream key" }],
    }];
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "New" } });
    fireEvent.click(screen.getByRole("button", { name: "Save destination" }));
    await flush();
    expect(screen.getByText("YouTube needs a stream key")).toBeTruthy();
    expect(screen.getByText(/Nothing saved: stream_key: YouTube needs a stream key/)).toBeTruthy();
  });
});

describe("cameras page", () => {
  it("explains why a camera in use cannot be deleted", async () => {
    routes["GET /api/cameras"] = () => [200, cameras];
    routes["DELETE /api/cameras/1"] = () => [409, { detail: "Camera 'Red cam' is used by timeline(s) Show. Remove it from those timelines first." }];
    render(<CamerasPage />);
    await flush();
    fireEvent.click(screen.getAllByRole("button", { name: "Delete" })[0]);
    await flush();
    expect(screen.getByRole("alert").textContent).toContain("Remove it from those timelines first");
    expect(screen.getByText("Red cam")).toBeTruthy();
  });

  it("suggests an address for the chosen kind of camera", async () => {
    routes["GET /api/cameras"] = () => [200, []];
    render(<CamerasPage />);
    await flush();
    expect(screen.getByText(/No cameras yet/)).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "+ Add camera" }));
    fireEvent.change(screen.getByLabelText("Kind"), { target: { value: "file" } });
    expect((screen.getByLabelText("Address") as HTMLInputElement).placeholder).toBe("/var/lib/vistterstream/media/loop.mp4");
  });
});

describe("login", () => {
  const loggedOut: AuthSession = { login_required: true, username: null, csrf_token: null, preview_visible: false, message: null };

  beforeEach(() => {
    vi.stubGlobal("EventSource", class { addEventListener() {} close() {} onerror = null; });
    routes["GET /api/preview/status"] = () => [200, idle];
    routes["GET /api/timelines"] = () => [200, [show]];
    routes["GET /api/cameras"] = () => [200, cameras];
    routes["GET /api/destinations?active=true"] = () => [200, []];
  });

  const logIn = async (password: string) => {
    fireEvent.change(screen.getByLabelText("User name"), { target: { value: "alice" } });
    fireEvent.change(screen.getByLabelText("Password"), { target: { value: password } });
    fireEvent.click(screen.getByRole("button", { name: "Log in" }));
    await flush();
  };

  it("asks for the admin login, sends the CSRF token with changes and returns to the form when the session ends", async () => {
    routes["GET /api/auth/session"] = () => [200, loggedOut];
    render(<App />);
    await flush();
    routes["POST /api/auth/login"] = () => [401, { detail: "Wrong user name or password." }];
    await logIn("not it");
    expect(screen.getByRole("alert").textContent).toBe("Wrong user name or password.");
    expect((screen.getByLabelText("Password") as HTMLInputElement).value).toBe("");

    routes["POST /api/auth/login"] = () => [200, { ...loggedOut, username: "alice", csrf_token: "tok-1" }];
    await logIn("correct horse battery");
    expect(screen.getByText("alice")).toBeTruthy();
    expect(screen.getByText(PICTURE_LOCAL_ONLY)).toBeTruthy();  // another machine: controls, no picture

    routes["POST /api/preview/start"] = () => [401, { detail: "Log in to continue.", code: "login_required" }];
    fireEvent.click(screen.getByRole("button", { name: "Start Preview" }));
    await flush();
    const start = sent.find((r) => r.path === "/api/preview/start")!;
    expect(start.headers["X-CSRF-Token"]).toBe("tok-1");
    expect(sent.filter((r) => r.path === "/api/auth/login").pop()!.body).toEqual({ username: "alice", password: "correct horse battery" });
    expect(screen.getByText("Your session ended. Log in again to continue.")).toBeTruthy();

    routes["POST /api/auth/login"] = () => [200, { ...loggedOut, username: "alice", csrf_token: "tok-2" }];
    await logIn("correct horse battery");
    routes["POST /api/auth/logout"] = () => [200, { ...loggedOut, message: "Logged out." }];
    fireEvent.click(screen.getByRole("button", { name: "Log out" }));
    await flush();
    expect(screen.getByRole("button", { name: "Log in" })).toBeTruthy();
  });

  it("goes straight to the studio when no login is needed", async () => {
    routes["GET /api/auth/session"] = () => [200, { ...loggedOut, login_required: false, preview_visible: true }];
    render(<App />);
    await flush();
    expect(screen.queryByRole("button", { name: "Log in" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Log out" })).toBeNull();
    expect(screen.getByRole("button", { name: "Start Preview" })).toBeTruthy();
  });
});

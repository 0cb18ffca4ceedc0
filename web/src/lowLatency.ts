// Low-latency monitor: fragmented MP4 of the program's video over a WebSocket into Media Source Extensions.
// The server sends a JSON hello (mime type), then an init segment and one fragment per frame.

export const LIVE_EDGE = { target: 0.12, catchUpAbove: 0.25, jumpAbove: 0.8, keepSeconds: 6 };

export function lowLatencySupported(): boolean {
  return typeof window !== "undefined" && "MediaSource" in window && typeof WebSocket !== "undefined";
}

export function monitorUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/preview/monitor`;
}

/** How to follow the live edge: jump when far behind (or before the buffer), speed up a little when slightly
 * behind, otherwise play at normal speed. Pure; unit-tested. */
export function chase(currentTime: number, start: number, end: number): { seek: number | null; rate: number } {
  const lag = end - currentTime;
  if (currentTime < start || lag > LIVE_EDGE.jumpAbove) return { seek: Math.max(start, end - LIVE_EDGE.target), rate: 1 };
  if (lag > LIVE_EDGE.catchUpAbove) return { seek: null, rate: 1.15 };
  return { seek: null, rate: 1 };
}

interface Hello {
  mime: string;
  run_id: string;
}

/** Close codes of the server's access guard: 4000 + the HTTP status it would have answered. */
const REFUSED = new Set([4401, 4403, 4421]);

/** Plays the low-latency stream in `video`, reconnecting by itself; returns a detach function. */
export function attachLowLatency(video: HTMLVideoElement, onProblem: (message: string | null) => void): () => void {
  let closed = false;
  let socket: WebSocket | null = null;
  let objectUrl: string | null = null;
  let retryTimer: number | undefined;
  let attempt = 0;

  const edge = window.setInterval(() => {
    const b = video.buffered;
    if (b.length === 0) return;
    const { seek, rate } = chase(video.currentTime, b.start(b.length - 1), b.end(b.length - 1));
    if (seek !== null) video.currentTime = seek;
    video.playbackRate = rate;
    if (video.paused) video.play().catch(() => undefined);
  }, 200);

  const connect = () => {
    const ws = new WebSocket(monitorUrl(window.location));
    socket = ws;
    ws.binaryType = "arraybuffer";
    let buffer: SourceBuffer | null = null;
    const pending: ArrayBuffer[] = [];

    const pump = () => {
      if (!buffer || buffer.updating || pending.length === 0) return;
      const b = video.buffered;
      if (b.length && video.currentTime - b.start(0) > LIVE_EDGE.keepSeconds * 2) {
        buffer.remove(0, video.currentTime - LIVE_EDGE.keepSeconds); // keep memory flat
        return;
      }
      try {
        buffer.appendBuffer(pending.shift()!);
      } catch {
        onProblem("The low-latency monitor could not buffer the picture — reconnecting…");
        ws.close();
      }
    };

    ws.onmessage = (event: MessageEvent<string | ArrayBuffer>) => {
      if (typeof event.data === "string") {
        const hello = JSON.parse(event.data) as Hello;
        if (!MediaSource.isTypeSupported(hello.mime)) {
          onProblem(`This browser cannot play ${hello.mime} with low latency; choose Standard.`);
          closed = true;
          ws.close();
          return;
        }
        const source = new MediaSource();
        if (objectUrl) URL.revokeObjectURL(objectUrl);
        objectUrl = URL.createObjectURL(source);
        video.src = objectUrl;
        source.addEventListener("sourceopen", () => {
          buffer = source.addSourceBuffer(hello.mime);
          buffer.mode = "segments";
          buffer.addEventListener("updateend", pump);
          pump();
        }, { once: true });
        return;
      }
      pending.push(event.data);
      if (pending.length > 120) pending.splice(0, pending.length - 1); // hopelessly behind: keep the newest
      pump();
      attempt = 0;
      onProblem(null);
    };
    ws.onclose = (event) => {
      if (closed) return;
      if (REFUSED.has(event.code)) { // the access guard said no (login, local-only…): say why, do not retry
        closed = true;
        onProblem(event.reason || "The server refused the low-latency monitor; choose Standard.");
        return;
      }
      onProblem(event.code === 1000 || event.code === 4409 ? "Waiting for the program…" : "Low-latency monitor interrupted — reconnecting…");
      attempt += 1;
      retryTimer = window.setTimeout(connect, Math.min(5000, 500 * attempt));
    };
  };

  connect();
  video.play().catch(() => undefined);
  return () => {
    closed = true;
    window.clearInterval(edge);
    window.clearTimeout(retryTimer);
    socket?.close();
    video.removeAttribute("src");
    video.load();
    if (objectUrl) URL.revokeObjectURL(objectUrl);
  };
}

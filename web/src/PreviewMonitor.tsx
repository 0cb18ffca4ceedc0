import { useEffect, useLayoutEffect, useRef, useState } from "react";
import { api, ApiError, type Destination, type PreviewStatus, type Timeline } from "./api";
import { clockOffset, LatencyMeter, type LatencySummary } from "./latency";
import { attachLowLatency, lowLatencySupported } from "./lowLatency";
import { attachHls } from "./player";

interface Props {
  status: PreviewStatus | null;
  timeline: Timeline | null;
  refresh: () => void;
  /** False on another machine unless remote preview is switched on: the controls work, the picture is not sent. */
  previewVisible?: boolean;
}

export const PICTURE_LOCAL_ONLY = "The preview picture is shown only on the appliance itself (or through an SSH tunnel). The controls below still work.";

const STATE_LABEL: Record<string, string> = {
  connecting: "Connecting…",
  live: "Live",
  retrying: "Reconnecting",
  failed: "Failed",
  stopped: "Stopped",
};

export function badgeFor(status: PreviewStatus | null): { text: string; kind: string } {
  if (!status || status.mode === "idle") return { text: "OFFLINE", kind: "offline" };
  return status.mode === "live" ? { text: "LIVE", kind: "live" } : { text: "PREVIEW", kind: "preview" };
}

export function formatBitrate(bitsPerSecond: number): string {
  return bitsPerSecond >= 1_000_000 ? `${(bitsPerSecond / 1_000_000).toFixed(1)} Mbit/s` : `${Math.round(bitsPerSecond / 1000)} kbit/s`;
}

const MONITOR_MODE_KEY = "vistterstream.monitor.mode";
export type MonitorMode = "standard" | "low";

declare global {
  interface Window {
    /** Diagnostics for benchmarks: the latency meter's samples (seconds) since it was switched on. */
    vistterstream?: { latencySamples: () => number[]; monitorMode: () => MonitorMode };
  }
}

export function describeLatency(summary: LatencySummary | null, misses: number): string {
  if (summary) return `Latency ${summary.p50.toFixed(2)} s (median of the last 10 s; 95 % under ${summary.p95.toFixed(2)} s)`;
  if (misses > 10) return "No timestamp strip in the picture — put a test-pattern camera on air to measure latency.";
  return "Measuring latency…";
}

const TEXT_INPUTS = new Set(["text", "number", "password", "url", "search", "email", "tel"]);

/** Keys typed into a text field are text, not shortcuts. */
export function isTyping(target: HTMLElement): boolean {
  if (target.isContentEditable || target.tagName === "TEXTAREA" || target.tagName === "SELECT") return true;
  return target.tagName === "INPUT" && TEXT_INPUTS.has((target as HTMLInputElement).type);
}

/** Space on a focused button or checkbox already means "press it"; the shortcut must not fire too. */
function isControl(target: HTMLElement): boolean {
  return target.tagName === "BUTTON" || target.tagName === "INPUT" || target.tagName === "A";
}

export function PreviewMonitor({ status, timeline, refresh, previewVisible = true }: Props) {
  const video = useRef<HTMLVideoElement>(null);
  const [playerProblem, setPlayerProblem] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [working, setWorking] = useState(false);
  const [destinations, setDestinations] = useState<Destination[]>([]);
  const [chosen, setChosen] = useState<number[]>([]);
  const [confirming, setConfirming] = useState(false);
  const [muted, setMuted] = useState(true);
  const [detached, setDetached] = useState(false); // player let go before Stop, so it never fetches a dead URL
  const [monitorMode, setMonitorMode] = useState<MonitorMode>(() =>
    localStorage.getItem(MONITOR_MODE_KEY) === "low" ? "low" : "standard");
  const [measuring, setMeasuring] = useState(false);
  const [latency, setLatency] = useState<string | null>(null);
  const mode = status?.mode ?? "idle";
  const hlsUrl = detached || !previewVisible ? null : (status?.hls_url ?? null);
  const lowLatency = monitorMode === "low" && lowLatencySupported();

  useEffect(() => {
    if (mode === "idle") setDetached(false);
  }, [mode]);

  useEffect(() => {
    api.activeDestinations().then(setDestinations, (e: ApiError) => setError(e.message));
  }, []);

  const unhealthy = status !== null && !status.server_healthy;
  const [healthProblem, setHealthProblem] = useState<string | null>(null);
  useEffect(() => {
    if (!unhealthy) return setHealthProblem(null);
    api.health().then((h) => setHealthProblem(h.detail), (e: ApiError) => setHealthProblem(e.message));
  }, [unhealthy]);

  useEffect(() => {
    const element = video.current;
    if (!element || !hlsUrl) return;
    setPlayerProblem(null);
    return lowLatency ? attachLowLatency(element, setPlayerProblem) : attachHls(element, hlsUrl, setPlayerProblem);
  }, [hlsUrl, lowLatency]);

  const meter = useRef<LatencyMeter | null>(null);
  useEffect(() => {
    const element = video.current;
    if (!measuring || !element || !hlsUrl) return setLatency(null);
    let cancelled = false;
    clockOffset().then((offset) => {
      if (cancelled) return;
      meter.current = new LatencyMeter(element, offset);
      meter.current.start();
    }, () => setLatency("Cannot read the server clock, so latency cannot be measured."));
    const timer = window.setInterval(() => meter.current && setLatency(describeLatency(meter.current.summary(), meter.current.misses)), 1000);
    return () => {
      cancelled = true;
      meter.current?.stop();
      meter.current = null;
      window.clearInterval(timer);
    };
  }, [measuring, hlsUrl, lowLatency]);

  useEffect(() => {
    window.vistterstream = { latencySamples: () => [...(meter.current?.recorded ?? [])], monitorMode: () => (lowLatency ? "low" : "standard") };
  }, [lowLatency]);

  const chooseMonitor = (next: MonitorMode) => {
    localStorage.setItem(MONITOR_MODE_KEY, next);
    setMonitorMode(next);
  };

  const run = async (action: () => Promise<{ message: string }>) => {
    setWorking(true);
    setError(null);
    setNotice(null);
    try {
      const result = await action();
      setNotice(result.message);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setWorking(false);
      refresh();
    }
  };

  const startStop = () => {
    if (mode === "idle") {
      if (timeline) void run(() => api.start(timeline.id));
      else setError("Choose a timeline first.");
    } else {
      setDetached(true);
      void run(api.stop);
    }
  };

  const openGoLive = () => {
    if (mode !== "preview") return setError(mode === "idle" ? "Start the preview first." : "Already live.");
    if (chosen.length === 0) return setError("Tick at least one destination to go live.");
    setError(null);
    setConfirming(true);
  };

  // One listener for the panel's life; it calls the handler of the latest render (set before the browser
  // can deliver another key), so a key pressed right after an update never acts on stale state.
  const onKey = useRef<(event: KeyboardEvent) => void>(() => undefined);
  useLayoutEffect(() => {
    onKey.current = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement;
      if (isTyping(target)) return;
      if (event.key === "Escape") setConfirming(false);
      else if (event.key === " " && !confirming && !isControl(target)) {
        event.preventDefault();
        if (!working) startStop();
      } else if ((event.key === "l" || event.key === "L") && !confirming) openGoLive();
    };
  });
  useEffect(() => {
    const listener = (event: KeyboardEvent) => onKey.current(event);
    window.addEventListener("keydown", listener);
    return () => window.removeEventListener("keydown", listener);
  }, []);

  const live = new Map((status?.destinations ?? []).map((d) => [d.destination_id, d]));
  const badge = badgeFor(status);
  const chosenNames = destinations.filter((d) => chosen.includes(d.id)).map((d) => d.name);

  return (
    <section className="monitor" aria-label="Preview monitor">
      <div className="screen">
        {hlsUrl ? (
          <video ref={video} muted={muted} playsInline autoPlay data-testid="preview-video" />
        ) : (
          <div className="placeholder">
            {!previewVisible ? PICTURE_LOCAL_ONLY
              : mode !== "idle" ? "Waiting for the preview picture…"
              : timeline ? `Press Start Preview to watch “${timeline.name}”.` : "Choose a timeline."}
          </div>
        )}
        <span className={`badge ${badge.kind}`} data-testid="mode-badge">{badge.text}</span>
        {playerProblem && <div className="overlay-note">{playerProblem}</div>}
      </div>

      <div className="controls">
        <button className="primary" onClick={startStop} disabled={working || (mode === "idle" && !timeline)} title="Space">
          {mode === "idle" ? "Start Preview" : "Stop"}
        </button>
        <button onClick={() => setMuted(!muted)} disabled={!hlsUrl}>{muted ? "Unmute" : "Mute"}</button>
        <button onClick={() => video.current?.requestFullscreen()} disabled={!hlsUrl}>Fullscreen</button>
        <select aria-label="Monitor" value={monitorMode} onChange={(e) => chooseMonitor(e.target.value as MonitorMode)}
          title="Standard: HLS, about 1.4 s behind, with sound. Low latency: about 0.3 s behind (video only).">
          <option value="standard">Standard monitor</option>
          <option value="low">Low-latency monitor</option>
        </select>
        <button onClick={() => setMeasuring(!measuring)} disabled={!hlsUrl} aria-pressed={measuring}>
          {measuring ? "Hide latency" : "Measure latency"}
        </button>
        {status?.position != null && status.duration ? (
          <span className="position">{status.position.toFixed(1)} s / {status.duration.toFixed(0)} s</span>
        ) : null}
        <span className="help" title="Space: start/stop preview · L: go live · Esc: close dialog">⌨ Shortcuts</span>
      </div>

      {monitorMode === "low" && !lowLatency && <p className="muted">This browser has no Media Source Extensions: showing the standard monitor.</p>}
      {measuring && latency && <p className="latency" data-testid="latency">{latency}</p>}
      {unhealthy && <p className="error" role="alert">Preview engine is not available — {healthProblem ?? "checking why…"}</p>}
      {error && <p className="error" role="alert">{error}</p>}
      {notice && !error && <p className="notice" role="status">{notice}</p>}

      <div className="destinations">
        <h3>Destinations</h3>
        {destinations.length === 0 && <p className="muted">No active destinations. Add one under Destinations.</p>}
        <ul>
          {destinations.map((d) => {
            const state = live.get(d.id);
            return (
              <li key={d.id}>
                <label>
                  <input
                    type="checkbox"
                    checked={chosen.includes(d.id)}
                    disabled={mode === "live"}
                    onChange={(e) => setChosen(e.target.checked ? [...chosen, d.id] : chosen.filter((id) => id !== d.id))}
                  />
                  {d.name} <span className="muted">{d.platform}</span>
                </label>
                {state && (
                  <span className={`dest-state ${state.state}`} data-testid={`dest-state-${d.id}`}>
                    {STATE_LABEL[state.state]}
                    {state.state === "live" && state.bitrate > 0 ? ` · ${formatBitrate(state.bitrate)}` : ""}
                    {state.last_error && state.state !== "live" ? ` — ${state.last_error}` : ""}
                    {state.next_retry_in != null ? ` (next try in ${Math.round(state.next_retry_in)} s)` : ""}
                  </span>
                )}
                {mode === "live" && (
                  state ? (
                    <button className="small" onClick={() => void run(() => api.changeDestinations([], [d.id]))}>Remove</button>
                  ) : (
                    <button className="small" onClick={() => void run(() => api.changeDestinations([d.id], []))}>Add</button>
                  )
                )}
              </li>
            );
          })}
        </ul>
        {mode === "live" ? (
          <button className="danger" onClick={() => void run(api.stopLive)} disabled={working}>Stop Live</button>
        ) : (
          <button className={`golive ${mode === "preview" && chosen.length ? "pulse" : ""}`} onClick={openGoLive} disabled={working || mode !== "preview"} title="L">
            GO LIVE
          </button>
        )}
      </div>

      {confirming && (
        <div className="dialog-backdrop" onClick={() => setConfirming(false)}>
          <div className="dialog" role="dialog" aria-modal="true" aria-label="Confirm go live" onClick={(e) => e.stopPropagation()}>
            <h3>Go live?</h3>
            <p>The running program will be sent to:</p>
            <ul>{chosenNames.map((n) => <li key={n}>{n}</li>)}</ul>
            <p className="muted">The preview keeps playing. You can add, remove or stop destinations at any time.</p>
            <div className="dialog-buttons">
              <button onClick={() => setConfirming(false)}>Cancel</button>
              <button
                className="danger"
                autoFocus
                onClick={() => {
                  setConfirming(false);
                  void run(() => api.goLive(chosen));
                }}
              >
                Go live now
              </button>
            </div>
          </div>
        </div>
      )}
    </section>
  );
}

import { useEffect, useState } from "react";
import { api, type Timeline } from "./api";
import { PreviewMonitor } from "./PreviewMonitor";
import { usePreviewStatus } from "./status";

const MONITOR_OPEN_KEY = "vistterstream.previewMonitor.open";

export function App() {
  const { status, connected, refresh } = usePreviewStatus();
  const [timelines, setTimelines] = useState<Timeline[]>([]);
  const [selected, setSelected] = useState<number | null>(null);
  const [open, setOpen] = useState(() => localStorage.getItem(MONITOR_OPEN_KEY) !== "false");

  useEffect(() => {
    api.timelines().then((list) => {
      setTimelines(list);
      setSelected((current) => current ?? list[0]?.id ?? null);
    }, () => undefined);
  }, []);

  useEffect(() => {
    if (status?.timeline_id) setSelected(status.timeline_id);
  }, [status?.timeline_id]);

  const toggle = () => {
    localStorage.setItem(MONITOR_OPEN_KEY, String(!open));
    setOpen(!open);
  };

  const choose = (id: number) => {
    if (status && status.mode !== "idle" && id !== status.timeline_id) {
      const what = status.mode === "live" ? "You are LIVE" : "A preview is running";
      if (!window.confirm(`${what} with “${status.timeline_name}”. Switching shows the new timeline only after you stop and start again. Switch the editor anyway?`)) return;
    }
    setSelected(id);
  };

  const timeline = timelines.find((t) => t.id === selected) ?? null;
  return (
    <div className="app">
      <header>
        <h1>VistterStream</h1>
        {!connected && <span className="error">Lost contact with the server — retrying every 2 s…</span>}
      </header>
      <main>
        <div className="panel">
          <button className="panel-title" onClick={toggle} aria-expanded={open}>
            {open ? "▾" : "▸"} Preview Monitor
          </button>
          {open && <PreviewMonitor status={status} timeline={timeline} refresh={refresh} />}
        </div>
        <div className="panel">
          <h2>Timeline</h2>
          <select aria-label="Timeline" value={selected ?? ""} onChange={(e) => choose(Number(e.target.value))}>
            {timelines.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name} — {t.width}×{t.height} {t.fps} fps, {t.duration} s
              </option>
            ))}
          </select>
        </div>
      </main>
    </div>
  );
}

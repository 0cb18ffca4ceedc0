import { useCallback, useEffect, useState } from "react";
import { api, LOGIN_REQUIRED_EVENT, messageOf, type AuthSession, type Camera, type Timeline } from "./api";
import { CamerasPage } from "./CamerasPage";
import { DestinationsPage } from "./DestinationsPage";
import { LoginPage } from "./LoginPage";
import { PreviewMonitor } from "./PreviewMonitor";
import { usePreviewStatus } from "./status";
import { TimelineEditor } from "./TimelineEditor";

const MONITOR_OPEN_KEY = "vistterstream.previewMonitor.open";
const PAGES = [
  { hash: "#/timeline", label: "Timeline" },
  { hash: "#/cameras", label: "Cameras" },
  { hash: "#/destinations", label: "Destinations" },
];

function usePage(): string {
  const current = () => (PAGES.some((p) => p.hash === window.location.hash) ? window.location.hash : PAGES[0].hash);
  const [page, setPage] = useState(current);
  useEffect(() => {
    const onChange = () => setPage(current());
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return page;
}

export function App() {
  const [session, setSession] = useState<AuthSession | null>(null);
  const [ended, setEnded] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    api.session().then(setSession, (e: unknown) => setProblem(messageOf(e)));
    const loggedOut = () => {
      setEnded(true);
      setSession((current) => (current ? { ...current, username: null, csrf_token: null } : current));
    };
    window.addEventListener(LOGIN_REQUIRED_EVENT, loggedOut);
    return () => window.removeEventListener(LOGIN_REQUIRED_EVENT, loggedOut);
  }, []);

  if (!session) return <main className="login">{problem ? <p className="error" role="alert">{problem}</p> : <p className="muted">Loading…</p>}</main>;
  if (session.login_required && !session.username) {
    return <LoginPage ended={ended} onLoggedIn={(s) => { setEnded(false); setSession(s); }} />;
  }
  const logout = () => api.logout().then(setSession, (e: unknown) => setProblem(messageOf(e)));
  return <Studio session={session} onLogout={() => void logout()} />;
}

function Studio({ session, onLogout }: { session: AuthSession; onLogout: () => void }) {
  const { status, connected, refresh } = usePreviewStatus();
  const page = usePage();
  const mode = status?.mode ?? "idle";
  return (
    <div className="app">
      <header>
        <h1>VistterStream</h1>
        <nav>
          {PAGES.map((p) => (
            <a key={p.hash} href={p.hash} className={page === p.hash ? "current" : ""} aria-current={page === p.hash ? "page" : undefined}>{p.label}</a>
          ))}
        </nav>
        {mode !== "idle" && <span className={`badge inline ${mode}`}>{mode === "live" ? "LIVE" : "PREVIEW"}</span>}
        {!connected && <span className="error">Lost contact with the server — retrying every 2 s…</span>}
        {session.username && (
          <span className="account">
            {session.username} <button className="small" onClick={onLogout}>Log out</button>
          </span>
        )}
      </header>
      <main>
        {page === "#/cameras" && <CamerasPage />}
        {page === "#/destinations" && <DestinationsPage />}
        {page === "#/timeline" && <TimelinePage status={status} refresh={refresh} previewVisible={session.preview_visible} />}
      </main>
    </div>
  );
}

type TimelinePageProps = Pick<ReturnType<typeof usePreviewStatus>, "status" | "refresh"> & { previewVisible: boolean };

function TimelinePage({ status, refresh, previewVisible }: TimelinePageProps) {
  const [timelines, setTimelines] = useState<Timeline[]>([]);
  const [cameras, setCameras] = useState<Camera[]>([]);
  const [selected, setSelected] = useState<number | null>(null);
  const [open, setOpen] = useState(() => localStorage.getItem(MONITOR_OPEN_KEY) !== "false");
  const [dirty, setDirty] = useState(false);
  const [newName, setNewName] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api.timelines().then((list) => {
      setTimelines(list);
      setSelected((current) => current ?? list[0]?.id ?? null);
    }, (e: unknown) => setError(messageOf(e)));
    api.cameras().then(setCameras, (e: unknown) => setError(messageOf(e)));
  }, []);

  useEffect(() => {
    if (status?.timeline_id) setSelected(status.timeline_id);
  }, [status?.timeline_id]);

  const toggle = () => {
    localStorage.setItem(MONITOR_OPEN_KEY, String(!open));
    setOpen(!open);
  };

  const choose = (id: number) => {
    if (dirty && !window.confirm("This timeline has unsaved changes. Leave them and switch?")) return;
    if (status && status.mode !== "idle" && id !== status.timeline_id) {
      const what = status.mode === "live" ? "You are LIVE" : "A preview is running";
      if (!window.confirm(`${what} with “${status.timeline_name}”. Switching shows the new timeline only after you stop and start again. Switch the editor anyway?`)) return;
    }
    setSelected(id);
  };

  const create = async () => {
    if (!newName?.trim()) return setError("name: give the new timeline a name");
    try {
      const shots = cameras.slice(0, 1).map((c) => ({ action: "show_camera", camera_id: c.id, duration: 10, transition: "cut", transition_duration: 0 }));
      const created = await api.createTimeline({ name: newName.trim(), width: 1280, height: 720, fps: 30, quality: "medium", loop: true, cues: shots });
      setTimelines([...timelines, created]);
      setSelected(created.id);
      setNewName(null);
      setError(null);
    } catch (e) {
      setError(`Not created: ${messageOf(e)}`);
    }
  };

  const onSaved = useCallback((saved: Timeline) => setTimelines((list) => list.map((t) => (t.id === saved.id ? saved : t))), []);
  const onDeleted = (id: number) => {
    const rest = timelines.filter((t) => t.id !== id);
    setTimelines(rest);
    setSelected(rest[0]?.id ?? null);
    setDirty(false);
  };

  const timeline = timelines.find((t) => t.id === selected) ?? null;
  return (
    <>
      <div className="panel">
        <button className="panel-title" onClick={toggle} aria-expanded={open}>
          {open ? "▾" : "▸"} Preview Monitor
        </button>
        {open && <PreviewMonitor status={status} timeline={timeline} refresh={refresh} previewVisible={previewVisible} />}
      </div>
      <div className="panel">
        <div className="row">
          <h2>Timeline</h2>
          <select aria-label="Timeline" value={selected ?? ""} onChange={(e) => choose(Number(e.target.value))}>
            {timelines.length === 0 && <option value="">No timelines yet</option>}
            {timelines.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name} — {t.width}×{t.height} {t.fps} fps, {t.duration} s
              </option>
            ))}
          </select>
          {newName === null ? (
            <button onClick={() => setNewName("")}>+ New timeline</button>
          ) : (
            <form className="row" onSubmit={(e) => { e.preventDefault(); void create(); }}>
              <input aria-label="New timeline name" value={newName} autoFocus maxLength={100} placeholder="Name, e.g. Sunday service" onChange={(e) => setNewName(e.target.value)} />
              <button type="submit" className="primary">Create</button>
              <button type="button" onClick={() => setNewName(null)}>Cancel</button>
            </form>
          )}
        </div>
        {error && <p className="error" role="alert">{error}</p>}
        {timeline ? (
          <TimelineEditor key={timeline.id} timeline={timeline} cameras={cameras} status={status} onSaved={onSaved} onDeleted={onDeleted} onDirty={setDirty} />
        ) : (
          <p className="muted">Create a timeline to decide which cameras go on air, for how long, and with which overlays.</p>
        )}
      </div>
    </>
  );
}

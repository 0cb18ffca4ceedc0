import { useEffect, useMemo, useState } from "react";
import { api, ApiError, messageOf, type Camera, type OverlayAction, type PreviewStatus, type Timeline } from "./api";
import { Field, numberFrom, shown } from "./Field";
import {
  checkDraft, cuePath, extrapolate, formatSeconds, FRAME_RATES, move, newOverlay, newShot, POSITIONS, QUALITIES,
  RESOLUTIONS, shotAt, spans, toBody, toDraft, totalDuration, type Draft, type Overlay, type Shot,
} from "./timeline";

interface Props {
  timeline: Timeline;
  cameras: Camera[];
  status: PreviewStatus | null;
  onSaved: (timeline: Timeline) => void;
  onDeleted: (id: number) => void;
  onDirty: (dirty: boolean) => void;
}

const OVERLAY_LABEL: Record<OverlayAction, string> = { text: "Text", clock: "Clock", image: "Image" };

/** Seconds into the running program's loop, moving smoothly between the once-a-second status updates. */
export function usePlayhead(status: PreviewStatus | null, timeline: Timeline): number | null {
  const running = status !== null && status.mode !== "idle" && status.timeline_id === timeline.id && status.position !== null;
  const [now, setNow] = useState(() => performance.now());
  const [anchor, setAnchor] = useState({ position: 0, at: performance.now() });
  useEffect(() => {
    if (running) setAnchor({ position: status.position ?? 0, at: performance.now() });
  }, [running, status?.position]);
  useEffect(() => {
    if (!running) return;
    const timer = window.setInterval(() => setNow(performance.now()), 100);
    return () => window.clearInterval(timer);
  }, [running]);
  if (!running) return null;
  const duration = status.duration ?? timeline.duration;
  return extrapolate(anchor.position, (now - anchor.at) / 1000, duration, timeline.loop);
}

export function TimelineEditor({ timeline, cameras, status, onSaved, onDeleted, onDirty }: Props) {
  const saved = useMemo(() => toDraft(timeline), [timeline]);
  const [draft, setDraft] = useState<Draft>(saved);
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ kind: "error" | "notice"; text: string } | null>(null);
  const [saving, setSaving] = useState(false);
  const [showProblems, setShowProblems] = useState(false);
  const playhead = usePlayhead(status, timeline);

  useEffect(() => {
    setDraft(saved);
    setServerErrors({});
    setShowProblems(false);
  }, [saved]);

  const dirty = JSON.stringify(toBody(draft)) !== JSON.stringify(toBody(saved));
  useEffect(() => onDirty(dirty), [dirty, onDirty]);
  const problems = checkDraft(draft);
  const errors = { ...(showProblems ? problems : {}), ...serverErrors };
  const running = status !== null && status.mode !== "idle" && status.timeline_id === timeline.id;

  const update = (change: Partial<Draft>) => {
    setDraft({ ...draft, ...change });
    setServerErrors({});
    setMessage(null);
  };
  const setShot = (index: number, change: Partial<Shot>) =>
    update({ shots: draft.shots.map((s, i) => (i === index ? { ...s, ...change } : s)) });
  const setOverlay = (index: number, change: Partial<Overlay>) =>
    update({ overlays: draft.overlays.map((o, i) => (i === index ? { ...o, ...change } : o)) });
  const setParam = (index: number, name: string, value: unknown) =>
    setOverlay(index, { params: { ...draft.overlays[index].params, [name]: value } });

  const save = async () => {
    setShowProblems(true);
    if (Object.keys(problems).length) {
      setMessage({ kind: "error", text: "Nothing saved yet: fix the fields marked in red." });
      return;
    }
    setSaving(true);
    try {
      const result = await api.saveTimeline(timeline.id, toBody(draft));
      setMessage({ kind: "notice", text: running
        ? "Saved. The running program keeps the previous version until you stop and start the preview."
        : "Saved." });
      onSaved(result);
    } catch (e) {
      setServerErrors(e instanceof ApiError ? e.fields : {});
      setMessage({ kind: "error", text: `Nothing saved: ${messageOf(e)}` });
    } finally {
      setSaving(false);
    }
  };

  const remove = async () => {
    if (running) {
      setMessage({ kind: "error", text: "This timeline is on air. Stop the preview before deleting it." });
      return;
    }
    if (!window.confirm(`Delete the timeline “${timeline.name}”? This cannot be undone.`)) return;
    try {
      await api.deleteTimeline(timeline.id);
      onDeleted(timeline.id);
    } catch (e) {
      setMessage({ kind: "error", text: messageOf(e) });
    }
  };

  const resolution = `${draft.width}x${draft.height}`;
  const knownResolution = RESOLUTIONS.some((r) => `${r.width}x${r.height}` === resolution);
  const bar = spans(draft.shots);
  const total = totalDuration(draft.shots);
  const onAir = playhead === null ? -1 : shotAt(draft.shots, playhead);
  const cameraName = (id: number) => cameras.find((c) => c.id === id)?.name ?? `camera ${id}`;

  return (
    <section className="editor" aria-label="Timeline editor">
      <div className="settings">
        <Field label="Name" error={errors.name}>
          <input value={draft.name} onChange={(e) => update({ name: e.target.value })} maxLength={100} />
        </Field>
        <Field label="Resolution" error={errors.width ?? errors.height}>
          <select value={resolution} onChange={(e) => {
            const [width, height] = e.target.value.split("x").map(Number);
            update({ width, height });
          }}>
            {!knownResolution && <option value={resolution}>{draft.width}×{draft.height}</option>}
            {RESOLUTIONS.map((r) => <option key={r.label} value={`${r.width}x${r.height}`}>{r.label}</option>)}
          </select>
        </Field>
        <Field label="Frame rate" error={errors.fps}>
          <select value={draft.fps} onChange={(e) => update({ fps: Number(e.target.value) })}>
            {!FRAME_RATES.includes(draft.fps) && <option value={draft.fps}>{draft.fps} fps</option>}
            {FRAME_RATES.map((f) => <option key={f} value={f}>{f} fps</option>)}
          </select>
        </Field>
        <Field label="Quality" error={errors.quality}>
          <select value={draft.quality} onChange={(e) => update({ quality: e.target.value as Draft["quality"] })}>
            {QUALITIES.map((q) => <option key={q.value} value={q.value}>{q.label}</option>)}
          </select>
        </Field>
        <label className="check">
          <input type="checkbox" checked={draft.loop} onChange={(e) => update({ loop: e.target.checked })} /> Loop
        </label>
      </div>

      <div className="strip" aria-label="Timeline strip" data-testid="timeline-strip">
        {draft.shots.map((s, i) => (
          <div key={s.key} className={`strip-shot${i === onAir ? " on-air" : ""}`}
            style={{ left: `${bar[i].start * 100}%`, width: `${bar[i].width * 100}%` }} title={`${cameraName(s.camera_id)} · ${s.duration} s`}>
            {cameraName(s.camera_id)}
          </div>
        ))}
        {playhead !== null && total > 0 && (
          <div className="playhead" data-testid="playhead" data-position={playhead.toFixed(2)}
            style={{ left: `${Math.min(1, playhead / total) * 100}%` }} />
        )}
      </div>
      <p className="muted strip-legend">
        {draft.shots.length} shot{draft.shots.length === 1 ? "" : "s"}, {formatSeconds(total)} per pass{draft.loop ? ", looping" : ""}
        {playhead !== null && <> · on air: <strong data-testid="playhead-time">{formatSeconds(playhead)}</strong>{dirty ? " (saved version)" : ""}</>}
      </p>

      <h3>Camera shots</h3>
      {draft.shots.length === 0 && <p className="muted">No shots yet: the program shows a slate. Add a camera shot below.</p>}
      <ol className="cues">
        {draft.shots.map((s, i) => (
          <li key={s.key} className={i === onAir ? "on-air" : ""} data-testid="shot-row">
            <span className="cue-index">{i + 1}</span>
            <Field label="Camera" error={errors[cuePath(draft, "shot", i, "camera_id")]}>
              <select value={s.camera_id || ""} onChange={(e) => setShot(i, { camera_id: Number(e.target.value) })}>
                {!s.camera_id && <option value="">Choose…</option>}
                {cameras.map((c) => <option key={c.id} value={c.id}>{c.name}{c.enabled ? "" : " (disabled)"}</option>)}
              </select>
            </Field>
            <Field label="Seconds" error={errors[cuePath(draft, "shot", i, "duration")]}>
              <input type="number" min={0.1} step={0.5} value={shown(s.duration)} className="num"
                onChange={(e) => setShot(i, { duration: numberFrom(e.target.value) })} />
            </Field>
            <Field label="Into this shot" error={errors[cuePath(draft, "shot", i, "transition")]}>
              <select value={s.transition} onChange={(e) => setShot(i, { transition: e.target.value as Shot["transition"] })}>
                <option value="cut">Cut</option>
                <option value="fade">Fade</option>
              </select>
            </Field>
            {s.transition === "fade" && (
              <Field label="Fade seconds" error={errors[cuePath(draft, "shot", i, "transition_duration")]}>
                <input type="number" min={0} max={10} step={0.1} value={shown(s.transition_duration)} className="num"
                  onChange={(e) => setShot(i, { transition_duration: numberFrom(e.target.value) })} />
              </Field>
            )}
            <span className="row-buttons">
              <button className="small" aria-label={`Move shot ${i + 1} earlier`} disabled={i === 0} onClick={() => update({ shots: move(draft.shots, i, -1) })}>↑</button>
              <button className="small" aria-label={`Move shot ${i + 1} later`} disabled={i === draft.shots.length - 1} onClick={() => update({ shots: move(draft.shots, i, 1) })}>↓</button>
              <button className="small" aria-label={`Remove shot ${i + 1}`} onClick={() => update({ shots: draft.shots.filter((_, j) => j !== i) })}>✕</button>
            </span>
          </li>
        ))}
      </ol>
      {cameras.length === 0 ? (
        <p className="muted">Add a camera on the Cameras page first.</p>
      ) : (
        <button onClick={() => update({ shots: [...draft.shots, newShot(cameras[0].id)] })}>+ Add camera shot</button>
      )}

      <h3>Overlays</h3>
      {draft.overlays.length === 0 && <p className="muted">No overlays. Add a text, a clock or an image (logo) on top of the cameras.</p>}
      <ul className="cues">
        {draft.overlays.map((o, i) => {
          const err = (field: string) => errors[cuePath(draft, "overlay", i, field)];
          return (
            <li key={o.key} data-testid="overlay-row">
              <span className="cue-kind">{OVERLAY_LABEL[o.action]}</span>
              {o.action === "text" && (
                <Field label="Text" error={err("params.text")} wide>
                  <input value={String(o.params.text ?? "")} maxLength={200} onChange={(e) => setParam(i, "text", e.target.value)} />
                </Field>
              )}
              {o.action === "clock" && (
                <Field label="Format" error={err("params.format")}>
                  <select value={String(o.params.format)} onChange={(e) => setParam(i, "format", e.target.value)}>
                    <option value="%H:%M:%S">14:05:09</option>
                    <option value="%H:%M">14:05</option>
                    <option value="%I:%M %p">02:05 PM</option>
                    <option value="%Y-%m-%d %H:%M">2026-11-25 14:05</option>
                  </select>
                </Field>
              )}
              {o.action === "image" && (
                <Field label="Image file (PNG/JPEG on the appliance)" error={err("params.path")} wide>
                  <input value={String(o.params.path ?? "")} placeholder="/var/lib/vistterstream/media/logo.png" onChange={(e) => setParam(i, "path", e.target.value)} />
                </Field>
              )}
              <Field label="Where" error={err("params.position")}>
                <select value={String(o.params.position)} onChange={(e) => setParam(i, "position", e.target.value)}>
                  {POSITIONS.map((p) => <option key={p} value={p}>{p.replace("-", " ")}</option>)}
                </select>
              </Field>
              <Field label="From (s)" error={err("start")}>
                <input type="number" min={0} step={1} className="num" value={shown(o.start)} onChange={(e) => setOverlay(i, { start: numberFrom(e.target.value) })} />
              </Field>
              <Field label="For (s, empty = to the end)" error={err("duration")}>
                <input type="number" min={0.1} step={1} className="num" value={shown(o.duration)}
                  onChange={(e) => setOverlay(i, { duration: e.target.value.trim() === "" ? null : numberFrom(e.target.value) })} />
              </Field>
              <span className="row-buttons">
                <button className="small" aria-label={`Remove overlay ${i + 1}`} onClick={() => update({ overlays: draft.overlays.filter((_, j) => j !== i) })}>✕</button>
              </span>
            </li>
          );
        })}
      </ul>
      <div className="row">
        <button onClick={() => update({ overlays: [...draft.overlays, newOverlay("text")] })}>+ Text</button>
        <button onClick={() => update({ overlays: [...draft.overlays, newOverlay("clock")] })}>+ Clock</button>
        <button onClick={() => update({ overlays: [...draft.overlays, newOverlay("image")] })}>+ Image</button>
      </div>

      <div className="row save-row">
        <button className="primary" onClick={() => void save()} disabled={saving || !dirty}>{saving ? "Saving…" : "Save timeline"}</button>
        <button onClick={() => { setDraft(saved); setServerErrors({}); setShowProblems(false); setMessage(null); }} disabled={!dirty}>Discard changes</button>
        {dirty && <span className="muted">Unsaved changes</span>}
        <button className="danger-outline" onClick={() => void remove()}>Delete timeline</button>
      </div>
      {message && <p className={message.kind} role={message.kind === "error" ? "alert" : "status"}>{message.text}</p>}
    </section>
  );
}

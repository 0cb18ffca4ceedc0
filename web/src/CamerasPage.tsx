import { useState } from "react";
import { api, type Camera, type CameraBody, type CameraType } from "./api";
import { Field } from "./Field";
import { useCollection } from "./useCollection";

export const CAMERA_TYPES: { type: CameraType; label: string; placeholder: string; help: string }[] = [
  { type: "rtsp", label: "IP camera (RTSP)", placeholder: "rtsp://user:password@192.168.1.20:554/stream1",
    help: "The RTSP address from the camera's manual or app. The password is stored and shown masked." },
  { type: "rtmp", label: "RTMP stream", placeholder: "rtmp://192.168.1.30/live/cam", help: "An encoder or camera that serves RTMP." },
  { type: "http", label: "HTTP stream (MPEG-TS / HLS)", placeholder: "http://192.168.1.40:8080/stream.ts", help: "An HTTP(S) video stream." },
  { type: "file", label: "Video file (looped)", placeholder: "/var/lib/vistterstream/media/loop.mp4", help: "An absolute path on the appliance; it plays in a loop." },
  { type: "test", label: "Test pattern (built in)", placeholder: "test://?color=1f6feb", help: "A moving test picture with a timestamp strip; needs no camera." },
];

const EMPTY: CameraBody = { name: "", type: "rtsp", url: "", enabled: true };

export function CamerasPage() {
  const cameras = useCollection<Camera, CameraBody>({
    list: api.cameras, create: api.createCamera, save: api.saveCamera, remove: api.deleteCamera,
  });
  const [editing, setEditing] = useState<number | null>(null);
  const [form, setForm] = useState<CameraBody | null>(null);
  const kind = CAMERA_TYPES.find((t) => t.type === form?.type) ?? CAMERA_TYPES[0];

  const open = (camera: Camera | null) => {
    cameras.clearMessages();
    setEditing(camera?.id ?? null);
    setForm(camera ? { name: camera.name, type: camera.type, url: camera.url, enabled: camera.enabled } : { ...EMPTY });
  };
  const submit = async () => {
    if (form && (await cameras.submit(editing, form))) setForm(null);
  };

  return (
    <section className="panel" aria-label="Cameras">
      <div className="row">
        <h2>Cameras</h2>
        <button className="primary" onClick={() => open(null)}>+ Add camera</button>
      </div>
      {cameras.error && <p className="error" role="alert">{cameras.error}</p>}
      {cameras.notice && !cameras.error && <p className="notice" role="status">{cameras.notice}</p>}

      {form && (
        <form className="editor-form" aria-label={editing === null ? "New camera" : "Edit camera"} onSubmit={(e) => { e.preventDefault(); void submit(); }}>
          <h3>{editing === null ? "New camera" : `Edit “${form.name}”`}</h3>
          <Field label="Name" error={cameras.fields.name}>
            <input value={form.name} maxLength={100} autoFocus onChange={(e) => setForm({ ...form, name: e.target.value })} placeholder="Front door" />
          </Field>
          <Field label="Kind" error={cameras.fields.type}>
            <select value={form.type} onChange={(e) => setForm({ ...form, type: e.target.value as CameraType })}>
              {CAMERA_TYPES.map((t) => <option key={t.type} value={t.type}>{t.label}</option>)}
            </select>
          </Field>
          <Field label="Address" error={cameras.fields.url} wide>
            <input value={form.url} maxLength={2000} placeholder={kind.placeholder} onChange={(e) => setForm({ ...form, url: e.target.value })} />
          </Field>
          <p className="muted">{kind.help}</p>
          <label className="check">
            <input type="checkbox" checked={form.enabled} onChange={(e) => setForm({ ...form, enabled: e.target.checked })} /> Enabled
          </label>
          <div className="row">
            <button type="submit" className="primary">Save camera</button>
            <button type="button" onClick={() => setForm(null)}>Cancel</button>
          </div>
        </form>
      )}

      {cameras.loaded && cameras.items.length === 0 && <p className="muted">No cameras yet. Add one, or a test pattern to try things out.</p>}
      <table className="list">
        <tbody>
          {cameras.items.map((c) => (
            <tr key={c.id}>
              <td><strong>{c.name}</strong>{!c.enabled && <span className="muted"> (disabled)</span>}</td>
              <td className="muted">{CAMERA_TYPES.find((t) => t.type === c.type)?.label}</td>
              <td className="url">{c.url}</td>
              <td className="row-buttons">
                <button className="small" onClick={() => open(c)}>Edit</button>
                <button className="small" onClick={() => void cameras.destroy(c, `Delete the camera “${c.name}”?`)}>Delete</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

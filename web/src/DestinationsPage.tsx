import { useEffect, useState } from "react";
import { api, messageOf, type Destination, type DestinationBody, type Platform, type PlatformPreset } from "./api";
import { Field } from "./Field";
import { useCollection } from "./useCollection";

interface Form {
  name: string;
  platform: Platform;
  rtmp_url: string;
  stream_key: string; // typed by the operator; empty = keep the stored key
  clear_key: boolean;
  is_active: boolean;
}

/** The body to send: a key only when one was typed (or cleared), so an edit never wipes the stored key. */
export function destinationBody(form: Form): DestinationBody {
  const body: DestinationBody = { name: form.name, platform: form.platform, rtmp_url: form.rtmp_url.trim() || null, is_active: form.is_active };
  if (form.stream_key.trim()) body.stream_key = form.stream_key.trim();
  else if (form.clear_key) body.stream_key = "";
  return body;
}

export function DestinationsPage() {
  const destinations = useCollection<Destination, DestinationBody>({
    list: api.destinations, create: api.createDestination, save: api.saveDestination, remove: api.deleteDestination,
  });
  const [presets, setPresets] = useState<PlatformPreset[]>([]);
  const [presetError, setPresetError] = useState<string | null>(null);
  const [editing, setEditing] = useState<Destination | null>(null);
  const [form, setForm] = useState<Form | null>(null);
  const [reveal, setReveal] = useState(false);

  useEffect(() => {
    api.presets().then(setPresets, (e: unknown) => setPresetError(messageOf(e)));
  }, []);
  const preset = presets.find((p) => p.platform === form?.platform);
  const label = (platform: string) => presets.find((p) => p.platform === platform)?.label ?? platform;

  const open = (dest: Destination | null) => {
    destinations.clearMessages();
    setEditing(dest);
    setReveal(false);
    setForm(dest
      ? { name: dest.name, platform: dest.platform, rtmp_url: dest.rtmp_url, stream_key: "", clear_key: false, is_active: dest.is_active }
      : { name: "", platform: "youtube", rtmp_url: presets.find((p) => p.platform === "youtube")?.rtmp_url ?? "", stream_key: "", clear_key: false, is_active: true });
  };
  const choosePlatform = (platform: Platform) => {
    if (!form) return;
    const url = presets.find((p) => p.platform === platform)?.rtmp_url ?? "";
    const wasPreset = presets.some((p) => p.rtmp_url && p.rtmp_url === form.rtmp_url);
    setForm({ ...form, platform, rtmp_url: url || (wasPreset ? "" : form.rtmp_url) });
  };
  const submit = async () => {
    if (form && (await destinations.submit(editing?.id ?? null, destinationBody(form)))) setForm(null);
  };

  const keyPlaceholder = editing?.has_stream_key
    ? `${editing.stream_key_masked} is stored — type a new key to replace it`
    : "Paste the stream key";

  return (
    <section className="panel" aria-label="Destinations">
      <div className="row">
        <h2>Destinations</h2>
        <button className="primary" onClick={() => open(null)}>+ Add destination</button>
      </div>
      {(destinations.error || presetError) && <p className="error" role="alert">{destinations.error ?? presetError}</p>}
      {destinations.notice && !destinations.error && <p className="notice" role="status">{destinations.notice}</p>}

      {form && (
        <form className="editor-form" aria-label={editing ? "Edit destination" : "New destination"} onSubmit={(e) => { e.preventDefault(); void submit(); }}>
          <h3>{editing ? `Edit “${editing.name}”` : "New destination"}</h3>
          <Field label="Name" error={destinations.fields.name}>
            <input value={form.name} maxLength={100} autoFocus placeholder="Our YouTube channel" onChange={(e) => setForm({ ...form, name: e.target.value })} />
          </Field>
          <Field label="Platform" error={destinations.fields.platform}>
            <select value={form.platform} onChange={(e) => choosePlatform(e.target.value as Platform)}>
              {presets.map((p) => <option key={p.platform} value={p.platform}>{p.label}</option>)}
            </select>
          </Field>
          <Field label="Server URL (rtmp:// or rtmps://)" error={destinations.fields.rtmp_url} wide>
            <input value={form.rtmp_url} maxLength={2000} placeholder={preset?.rtmp_url || "rtmp://server.example/live"} onChange={(e) => setForm({ ...form, rtmp_url: e.target.value })} />
          </Field>
          <Field label="Stream key" error={destinations.fields.stream_key} wide>
            <span className="row">
              <input type={reveal ? "text" : "password"} value={form.stream_key} maxLength={500} autoComplete="off"
                placeholder={keyPlaceholder} onChange={(e) => setForm({ ...form, stream_key: e.target.value, clear_key: false })} />
              <button type="button" className="small" onClick={() => setReveal(!reveal)}>{reveal ? "Hide" : "Show"}</button>
            </span>
          </Field>
          {preset && <p className="muted">Where to find it: {preset.key_help} The key is stored encrypted and never shown again.</p>}
          {editing?.has_stream_key && form.platform === "custom" && (
            <label className="check">
              <input type="checkbox" checked={form.clear_key} onChange={(e) => setForm({ ...form, clear_key: e.target.checked, stream_key: "" })} /> This server needs no key (remove the stored one)
            </label>
          )}
          <label className="check">
            <input type="checkbox" checked={form.is_active} onChange={(e) => setForm({ ...form, is_active: e.target.checked })} /> Active (offered when going live)
          </label>
          <div className="row">
            <button type="submit" className="primary">Save destination</button>
            <button type="button" onClick={() => setForm(null)}>Cancel</button>
          </div>
        </form>
      )}

      {destinations.loaded && destinations.items.length === 0 && <p className="muted">No destinations yet. Add your YouTube, Facebook, Twitch or any RTMP server.</p>}
      <table className="list">
        <tbody>
          {destinations.items.map((d) => (
            <tr key={d.id} data-testid="destination-row">
              <td><strong>{d.name}</strong>{!d.is_active && <span className="muted"> (inactive)</span>}</td>
              <td className="muted">{label(d.platform)}</td>
              <td className="url">{d.rtmp_url}</td>
              <td className="muted">{d.has_stream_key ? `key ${d.stream_key_masked}` : "no key"}</td>
              <td className="row-buttons">
                <button className="small" onClick={() => open(d)}>Edit</button>
                <button className="small" onClick={() => void destinations.destroy(d, `Delete the destination “${d.name}”? Its stream key is deleted too.`)}>Delete</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

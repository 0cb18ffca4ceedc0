import { useEffect, useRef, useState } from "react";
import { api, type PreviewStatus } from "./api";

const POLL_MS = 2000;

/** Live preview status: server-sent events, falling back to 2 s polling while the stream is down. */
export function usePreviewStatus(): { status: PreviewStatus | null; connected: boolean; refresh: () => void } {
  const [status, setStatus] = useState<PreviewStatus | null>(null);
  const [connected, setConnected] = useState(true);
  const poll = useRef<number | null>(null);

  const refresh = () => {
    api.status().then(
      (s) => {
        setStatus(s);
        setConnected(true);
      },
      () => setConnected(false),
    );
  };

  useEffect(() => {
    refresh();
    const source = new EventSource("/api/preview/events");
    const startPolling = () => {
      if (poll.current === null) poll.current = window.setInterval(refresh, POLL_MS);
    };
    const stopPolling = () => {
      if (poll.current !== null) window.clearInterval(poll.current);
      poll.current = null;
    };
    source.addEventListener("status", (event) => {
      stopPolling();
      setConnected(true);
      setStatus(JSON.parse((event as MessageEvent<string>).data) as PreviewStatus);
    });
    source.onerror = startPolling; // EventSource reconnects by itself; poll meanwhile
    return () => {
      source.close();
      stopPolling();
    };
  }, []);

  return { status, connected, refresh };
}

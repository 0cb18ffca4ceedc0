import Hls from "hls.js";

// The seed's low-latency settings, plus catch-up playback (DESIGN §5: without it hls.js stays ~2.5 s behind).
// The server holds each playlist request until the next segment exists (LL-HLS blocking reload), so the
// player learns of a segment the moment it is written: ~1.4 s behind, with >= 0.25 s buffered when the next
// segment is due. A shorter liveSyncDuration eats that margin and turns a busy moment into a stall.
export const HLS_CONFIG = {
  lowLatencyMode: true,
  maxBufferLength: 2,
  maxMaxBufferLength: 4,
  liveSyncDuration: 1,
  liveMaxLatencyDuration: 3,
  maxLiveSyncPlaybackRate: 1.5,
  backBufferLength: 0,
  manifestLoadingMaxRetry: 6,
  levelLoadingMaxRetry: 6,
  fragLoadingMaxRetry: 6,
};

/** Attach an HLS URL to a <video>; recovers from network/media errors by itself. Returns a detach function. */
export function attachHls(video: HTMLVideoElement, url: string, onProblem: (message: string | null) => void): () => void {
  if (Hls.isSupported()) {
    const hls = new Hls(HLS_CONFIG);
    let retry: number | undefined;
    hls.on(Hls.Events.ERROR, (_event, data) => {
      // Say so at the first failed load (hls.js retries quietly for a while); the next buffered fragment clears it.
      if (data.type === Hls.ErrorTypes.NETWORK_ERROR) onProblem("Preview stream interrupted — reconnecting…");
      if (!data.fatal) return;
      if (data.type === Hls.ErrorTypes.NETWORK_ERROR) {
        window.clearTimeout(retry);
        retry = window.setTimeout(() => {
          if (data.details === Hls.ErrorDetails.MANIFEST_LOAD_ERROR) hls.loadSource(url);
          else hls.startLoad();
        }, 1000);
      } else if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
        hls.recoverMediaError();
      } else {
        onProblem("The preview player failed; press Stop and Start Preview again.");
      }
    });
    hls.on(Hls.Events.FRAG_BUFFERED, () => onProblem(null));
    hls.loadSource(url);
    hls.attachMedia(video);
    video.play().catch(() => undefined);
    return () => {
      window.clearTimeout(retry);
      hls.destroy();
    };
  }
  if (video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = url; // Safari: native HLS
    video.play().catch(() => undefined);
    return () => {
      video.removeAttribute("src");
      video.load();
    };
  }
  onProblem("This browser cannot play the preview (no HLS support). Use a current Chrome, Edge, Firefox or Safari.");
  return () => undefined;
}

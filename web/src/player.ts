import Hls from "hls.js";

// The seed's low-latency settings, plus catch-up playback (DESIGN §5: without it hls.js stays ~2.5 s behind).
// The server speaks LL-HLS: quarter-second parts, and playlist requests held until the next part exists, so
// the player hears of each part the moment it is written. liveSyncDuration 0.6 leaves ~0.25 s buffered when
// the next part is due.
export const HLS_CONFIG = {
  lowLatencyMode: true,
  maxBufferLength: 2,
  maxMaxBufferLength: 4,
  liveSyncDuration: 0.6,
  liveMaxLatencyDuration: 3,
  maxLiveSyncPlaybackRate: 1.5,
  liveSyncOnStallIncrease: 0.1, // a stall (start-up included) adds 0.1 s to the target, not a whole second
  backBufferLength: 0,
  manifestLoadingMaxRetry: 6,
  levelLoadingMaxRetry: 6,
  fragLoadingMaxRetry: 6,
};

/** Seconds to jump forward so the player is back at its target latency. hls.js speeds playback up towards
 * its target only with more than a second buffered; at sub-second targets the latency would stay wherever
 * the player started (or stalled), so jump within what is buffered, keeping a little of it in hand. */
export function catchUpJump(latency: number, target: number, bufferedAhead: number): number {
  const jump = Math.min(latency - target, bufferedAhead - 0.2);
  return jump >= 0.15 ? jump : 0;
}

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
    const catchUp = window.setInterval(() => {
      const target = hls.targetLatency;
      if (target === null || video.paused || !video.buffered.length) return;
      const ahead = video.buffered.end(video.buffered.length - 1) - video.currentTime;
      const jump = catchUpJump(hls.latency, target, ahead);
      if (jump > 0) video.currentTime += jump;
    }, 1000);
    return () => {
      window.clearTimeout(retry);
      window.clearInterval(catchUp);
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

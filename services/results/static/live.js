// Server-sent updates from /api/v1/stream; the browser reconnects by itself, and after a gap
// the page reloads its numbers once (updates sent while away are not replayed).

const RETRY_AFTER_CLOSE_MS = 5000;

export function followUpdates({ onUpdate, onResync, onState }) {
  let lostContact = false;
  const source = new EventSource("/api/v1/stream");
  source.addEventListener("open", () => {
    onState("live");
    if (lostContact) onResync();
    lostContact = false;
  });
  source.addEventListener("error", () => {
    lostContact = true;
    onState("reconnecting");
    if (source.readyState === EventSource.CLOSED) {
      setTimeout(() => followUpdates({ onUpdate, onResync, onState }), RETRY_AFTER_CLOSE_MS);
    }
  });
  source.addEventListener("results", (event) => onUpdate(JSON.parse(event.data)));
}

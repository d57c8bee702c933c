// A turn for the event loop: long loops in a worker (training) await this now and then so the
// worker's messages (pause, stop) are handled. A MessageChannel message, not a timer: no clamping.

/** Resolves in a new task, after the messages already waiting. */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      ch.port2.close();
      resolve();
    };
    ch.port2.postMessage(null);
  });
}

import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

/**
 * Joins the frames sent to one websocket within one turn of the event loop into one socket write.
 *
 * graphql-ws sends one frame per result and ws writes each frame to the socket at once, so a connection carrying 40
 * live subscriptions makes 40 writes (40 system calls) per tick. The socket is corked at the turn's first frame and
 * uncorked once the turn's microtasks (where results are executed and sent) have run: one write carries them all.
 * `socket` is the connection's TCP socket (the one the upgrade request came on).
 */
export function coalesceWrites(websocket: WebSocket, socket: Duplex): void {
  const send = websocket.send.bind(websocket) as (...args: unknown[]) => void;
  let corked = false;
  const uncork = () => {
    corked = false;
    socket.uncork();
  };
  websocket.send = ((...args: unknown[]) => {
    if (!corked) {
      corked = true;
      socket.cork();
      // A tick queued from a microtask runs once the microtask queue is empty: after every send of this turn.
      process.nextTick(uncork);
    }
    send(...args);
  }) as WebSocket['send'];
}

import { Repeater } from 'graphql-yoga';

/**
 * Maps a pubsub stream through an async function, dropping `null`s. Unlike an async generator, it lets go of the
 * source the moment the client unsubscribes (a generator would wait for the next event to notice).
 */
export function mapStream<In, Out>(
  source: AsyncIterableIterator<In>,
  mapper: (value: In) => Promise<Out | null>,
): AsyncIterable<Out> {
  return new Repeater<Out>(async (push, stop) => {
    void stop.then(() => source.return?.());
    for await (const value of source) {
      const mapped = await mapper(value);
      if (mapped !== null) await push(mapped);
    }
    stop();
  });
}

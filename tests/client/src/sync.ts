// A full sync loop over the generated client: an initial sync, incremental
// syncs, starting over on 410 `cursor_expired`, and a live stream that
// falls back to the feed whenever it reconnects. A front end keeps one
// `Replica` per user (e.g. in IndexedDB) and calls `sync` on start and
// `live` while it is open.
import { listChanges, type Change, type Task } from './client/index.js';

/** The client's copy of a user's tasks, and where its feed left off. */
export interface Replica {
  tasks: Map<string, Task>;
  cursor: string | undefined;
}

export function emptyReplica(): Replica {
  return { tasks: new Map(), cursor: undefined };
}

/** Applies changes in order; each carries the cursor just after it. */
export function apply(replica: Replica, changes: Change[]): void {
  for (const change of changes) {
    if (change.task) {
      replica.tasks.set(change.task.id, change.task);
    } else if (change.tombstone) {
      replica.tasks.delete(change.tombstone.id);
    }
    replica.cursor = change.cursor;
  }
}

/**
 * Brings the replica up to date: the whole list when it has no cursor,
 * else what changed since. A cursor past the server's retention (410)
 * means deletions may have been forgotten: drop the copy and start over.
 */
export async function sync(userId: string, replica: Replica): Promise<void> {
  for (let pages = 0; pages < 100_000; pages += 1) {
    const { data, error, response } = await listChanges({
      path: { user_id: userId },
      query: { cursor: replica.cursor, limit: 500 },
    });
    if (response.status === 410) {
      replica.tasks.clear();
      replica.cursor = undefined;
      continue;
    }
    if (!data) {
      throw new Error(`sync failed: HTTP ${response.status} ${error?.code ?? ''}`);
    }
    apply(replica, data.changes);
    replica.cursor = data.next_cursor;
    if (!data.has_more) {
      return;
    }
  }
  throw new Error('the feed never ended');
}

/**
 * Follows the event stream with `fetch` and the bearer header (a browser's
 * `EventSource` would use a ticket from `createStreamTicket` instead),
 * applying each change, until `signal` aborts. Whenever the stream ends or
 * fails it syncs from the feed, then reconnects with `Last-Event-ID`, so
 * nothing is lost in between.
 */
export async function live(
  baseUrl: string,
  userId: string,
  token: () => string | undefined,
  replica: Replica,
  signal: AbortSignal,
  onChange: (change: Change) => void = () => {},
): Promise<void> {
  while (!signal.aborted) {
    try {
      await sync(userId, replica);
      const headers: Record<string, string> = { authorization: `Bearer ${token() ?? ''}` };
      if (replica.cursor) {
        headers['last-event-id'] = replica.cursor;
      }
      const response = await fetch(`${baseUrl}/api/${userId}/events`, { headers, signal });
      if (!response.ok || !response.body) {
        throw new Error(`stream refused: HTTP ${response.status}`);
      }
      for await (const data of events(response.body)) {
        const change = JSON.parse(data) as Change;
        apply(replica, [change]);
        onChange(change);
      }
    } catch (err) {
      if (signal.aborted) {
        return;
      }
      console.warn(`stream lost (${String(err)}); resyncing`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** The `data` of each event of a Server-Sent Events body (comments skipped). */
async function* events(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      return;
    }
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trimStart())
        .join('\n');
      // The last event of a stream the server ends (`stream.ended`: the
      // token expired or the session ended) carries no change.
      const ended = block
        .split('\n')
        .some((line) => line.startsWith('event:') && line.slice(6).trim() === 'stream.ended');
      if (data && !ended) {
        yield data;
      }
      end = buffer.indexOf('\n\n');
    }
  }
}

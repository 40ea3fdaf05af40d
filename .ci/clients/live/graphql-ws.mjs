// The graphql-ws reference client (graphql-transport-ws) against a live ASGI server: one
// subscription per language to a live story; a Publisher publishes an entry in each language
// through the admin; each subscription must receive exactly its own language's entry.
// Usage: node graphql-ws.mjs http://127.0.0.1:8734 <story-id> <slug>
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { SUBSCRIPTION, entriesForThisRun, expectEntries, publisherSession, sleep, usage } from './newsroom.mjs';

const [base, storyId, slug] = process.argv.slice(2);
usage('graphql-ws.mjs', process.argv.slice(2));

const entries = entriesForThisRun();
const expecting = expectEntries(entries);
const client = createClient({ url: `${base.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
const connected = new Promise((resolve) => client.on('connected', resolve));
const stops = Object.keys(entries).map((language) =>
  client.subscribe(
    { query: SUBSCRIPTION, variables: { slug, language } },
    {
      next: (result) => expecting.next(language, result),
      error: (error) => expecting.fail(language, error),
      complete: () => {},
    },
  ),
);
await connected;
await sleep(1000); // Both subscriptions join the story's group.
const publish = await publisherSession(base);
for (const [language, entry] of Object.entries(entries)) await publish(storyId, language, entry.text);
try {
  const events = await expecting.all();
  for (const event of events) console.log(`ok graphql-ws received the ${event.entry.language} entry ${event.entryId}`);
} catch (error) {
  console.log(`FAILED graphql-ws: ${error.message}`);
  process.exitCode = 1;
} finally {
  stops.forEach((stop) => stop());
  await client.dispose();
}

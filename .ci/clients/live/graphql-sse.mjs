// graphql-sse's own client (Server-Sent Events) against a live ASGI server, in both of the
// protocol's modes (a connection per subscription; one reserved stream for all): one
// subscription per language to a live story; a Publisher publishes an entry in each language
// through the admin; each subscription must receive its own language's entry. Also: a query
// (not a subscription) gets the protocol's clear error, not a failure.
// Usage: node graphql-sse.mjs http://127.0.0.1:8734 <story-id> <slug>
import { createClient } from 'graphql-sse';
import { SUBSCRIPTION, entriesForThisRun, expectEntries, publisherSession, sleep, usage } from './newsroom.mjs';

const [base, storyId, slug] = process.argv.slice(2);
usage('graphql-sse.mjs', process.argv.slice(2));

const client = createClient({ url: `${base}/graphql`, retryAttempts: 0 });
let failed = false;

// A query is refused over the event stream with an error the client hands over as a result.
const refused = await new Promise((resolve, reject) => {
  const results = [];
  client.subscribe({ query: '{ stories(first: 1) { edges { node { slug } } } }' }, {
    next: (result) => results.push(result),
    error: reject,
    complete: () => resolve(results),
  });
});
if (refused.length === 1 && refused[0].errors?.[0]?.message.includes('Only subscriptions are served here')) {
  console.log('ok graphql-sse: a query gets the clear error event, then complete');
} else {
  console.log(`FAILED graphql-sse: a query answered ${JSON.stringify(refused)}`);
  failed = true;
}

const publish = await publisherSession(base);

// Both modes of the protocol: a connection per subscription, then one reserved stream
// carrying both subscriptions (singleConnection).
for (const mode of ['distinct connections', 'single connection']) {
  const single = mode === 'single connection';
  const modeClient = single ? createClient({ url: `${base}/graphql`, singleConnection: true, retryAttempts: 0 }) : client;
  const entries = entriesForThisRun();
  const expecting = expectEntries(entries);
  const connected = [];
  const stops = Object.keys(entries).map((language) => {
    let resolveConnected;
    connected.push(new Promise((resolve) => { resolveConnected = resolve; }));
    const stop = modeClient.subscribe(
      { query: SUBSCRIPTION, variables: { slug, language } },
      {
        next: (result) => expecting.next(language, result),
        error: (error) => expecting.fail(language, error),
        complete: () => {},
      },
      single ? undefined : { connected: () => resolveConnected() },
    );
    if (single) resolveConnected();
    return stop;
  });
  await Promise.all(connected);
  await sleep(single ? 2000 : 1000); // Both subscriptions join the story's group.
  for (const [language, entry] of Object.entries(entries)) await publish(storyId, language, entry.text);
  try {
    const events = await expecting.all();
    for (const event of events) console.log(`ok graphql-sse (${mode}) received the ${event.entry.language} entry ${event.entryId}`);
  } catch (error) {
    console.log(`FAILED graphql-sse (${mode}): ${error.message}`);
    failed = true;
  } finally {
    stops.forEach((stop) => stop());
    modeClient.dispose();
  }
}
process.exitCode = failed ? 1 : 0;

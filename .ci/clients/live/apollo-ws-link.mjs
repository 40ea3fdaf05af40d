// Apollo Client 4 with GraphQLWsLink (over the graphql-ws client): one subscription per
// language to a live story; a Publisher publishes an entry in each language through the
// admin; each subscription must receive exactly its own language's entry.
// Usage: node apollo-ws-link.mjs http://127.0.0.1:8734 <story-id> <slug>
import { ApolloClient, InMemoryCache, gql } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { SUBSCRIPTION, entriesForThisRun, expectEntries, publisherSession, sleep, usage } from './newsroom.mjs';

const [base, storyId, slug] = process.argv.slice(2);
usage('apollo-ws-link.mjs', process.argv.slice(2));

const entries = entriesForThisRun();
const expecting = expectEntries(entries);
const wsClient = createClient({ url: `${base.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
const connected = new Promise((resolve) => wsClient.on('connected', resolve));
const client = new ApolloClient({ cache: new InMemoryCache(), link: new GraphQLWsLink(wsClient) });
const query = gql(SUBSCRIPTION);
const subscriptions = Object.keys(entries).map((language) =>
  client.subscribe({ query, variables: { slug, language } }).subscribe({
    next: (result) => {
      if (result.error) expecting.fail(language, result.error);
      else expecting.next(language, result);
    },
    error: (error) => expecting.fail(language, error),
  }),
);
await connected;
await sleep(1000); // Both subscriptions join the story's group.
const publish = await publisherSession(base);
for (const [language, entry] of Object.entries(entries)) await publish(storyId, language, entry.text);
try {
  const events = await expecting.all();
  for (const event of events) console.log(`ok Apollo GraphQLWsLink received the ${event.entry.language} entry ${event.entryId}`);
} catch (error) {
  console.log(`FAILED Apollo GraphQLWsLink: ${error.message}`);
  process.exitCode = 1;
} finally {
  subscriptions.forEach((subscription) => subscription.unsubscribe());
  client.stop();
  await wsClient.dispose();
}

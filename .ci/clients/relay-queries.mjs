// The queries relay-compiler generated from relay/documents.js, sent to a live server as
// Relay would: the front page paged through @connection, then a story card refetched by
// its id (through `node`) with the other language in Accept-Language, which must not change
// the language it comes back in.
// Usage: node relay-queries.mjs http://127.0.0.1:8733/graphql
import pagination from './relay/__generated__/FrontPagePaginationQuery.graphql.js';
import refetch from './relay/__generated__/StoryCardRefetchQuery.graphql.js';

const url = process.argv[2];
if (!url) {
  console.error('usage: node relay-queries.mjs <graphql-url>');
  process.exit(2);
}

async function send(operation, variables, language) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Accept-Language': language },
    body: JSON.stringify({ query: operation.params.text, variables }),
  });
  const answer = await response.json();
  if (answer.errors) {
    console.error(`FATAL ${operation.params.name}: ${JSON.stringify(answer.errors)}`);
    process.exit(2);
  }
  return answer.data;
}

// The fields the story card shows, in a fixed order (answers may order keys differently).
function card(story) {
  const { id, slug, language, title, summary, tags } = story ?? {};
  return JSON.stringify({ id, slug, language, title, summary, tags });
}

let passed = 0;
let failed = 0;
function check(name, ok, detail) {
  if (ok) {
    passed += 1;
    console.log(`ok ${name}`);
  } else {
    failed += 1;
    console.log(`FAILED ${name}: ${detail}`);
  }
}

for (const [language, other] of [['en', 'zh-hans'], ['zh-hans', 'en']]) {
  const first = (await send(pagination, { first: 3, language }, language)).stories;
  const second = (await send(pagination, { first: 3, after: first.pageInfo.endCursor, language }, language)).stories;
  const ids = [...first.edges, ...second.edges].map((edge) => edge.node.id);
  check(`${language}: two pages of the @connection list hold six different stories`,
    new Set(ids).size === 6 && first.pageInfo.hasNextPage, JSON.stringify(ids));
  for (const { node } of first.edges) {
    const { node: again } = await send(refetch, { id: node.id }, other);
    check(`${language}: refetching ${node.slug} with Accept-Language ${other} keeps its language`,
      card(again) === card(node), `expected ${card(node)}, got ${card(again)}`);
  }
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

// rss-parser and @rowanmanning/feed-parser, as partners' and readers' software reads feeds,
// on both languages' RSS and Atom feeds and their tag feeds: each must read every item the
// API lists for that language (and tag), with the title and link of the page in the language
// the item is served in (the feed's own, or its fallback), and the feed's own address.
// Usage: node feeds.mjs http://127.0.0.1:8733
import feedParser from '@rowanmanning/feed-parser';
import RssParser from 'rss-parser';

const [base] = process.argv.slice(2);
if (!base) {
  console.error('usage: node feeds.mjs <server-url>');
  process.exit(2);
}

const LANGUAGES = ['en', 'zh-hans'];
const FORMATS = ['rss.xml', 'atom.xml'];
const STORIES = `query($language: String, $tag: String) {
  stories(language: $language, tag: $tag, first: 50) {
    edges { node { slug language title url } } }
  tags(language: $language) { slug name storyCount } }`;

let passed = 0;
let failed = 0;
function check(name, ok, detail) {
  if (ok) {
    passed += 1;
  } else {
    failed += 1;
    console.log(`FAILED ${name}: ${detail}`);
  }
}

async function graphql(variables) {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: STORIES, variables }),
  });
  const { data, errors } = await response.json();
  if (errors) throw new Error(JSON.stringify(errors));
  return data;
}

async function get(path) {
  const response = await fetch(`${base}${path}`);
  if (response.status !== 200) throw new Error(`${path} answered ${response.status}`);
  return { text: await response.text(), language: response.headers.get('content-language') };
}

// What each parser makes of a feed: its title, own address, and items' titles and links.
const rssParser = new RssParser();
const PARSERS = {
  'rss-parser': async (xml) => {
    const feed = await rssParser.parseString(xml);
    return {
      title: feed.title,
      self: feed.feedUrl,
      items: feed.items.map((item) => ({ title: item.title, link: item.link })),
    };
  },
  '@rowanmanning/feed-parser': async (xml) => {
    const feed = feedParser.parseFeed(xml);
    return {
      title: feed.title,
      self: feed.self,
      items: feed.items.map((item) => ({ title: item.title, link: item.url })),
    };
  },
};

const { tags } = await graphql({ language: 'en' });
// Two tags with stories: enough to see that every tag feed names itself.
const someTags = tags.filter((tag) => tag.storyCount > 0).slice(0, 2).map((tag) => tag.slug);
if (someTags.length < 2) {
  console.error('FATAL the demo has fewer than two tags with stories');
  process.exit(2);
}

let feeds = 0;
const wholeTitle = {};
for (const language of LANGUAGES) {
  const names = Object.fromEntries((await graphql({ language })).tags.map((t) => [t.slug, t.name]));
  for (const tag of [null, ...someTags]) {
    const { stories } = await graphql({ language, tag });
    const expected = stories.edges.map(({ node }) => ({ title: node.title, link: node.url, language: node.language }));
    const own = expected.filter((item) => item.language === language).length;
    for (const format of FORMATS) {
      const path = `/feeds/${language}/${format}${tag ? `?tag=${encodeURIComponent(tag)}` : ''}`;
      const { text, language: contentLanguage } = await get(path);
      feeds += 1;
      check(`${path} says it is in ${language}`, contentLanguage === language, contentLanguage);
      for (const [name, parse] of Object.entries(PARSERS)) {
        let feed;
        try {
          feed = await parse(text);
        } catch (error) {
          check(`${name} parses ${path}`, false, error);
          continue;
        }
        check(`${name}: ${path} names itself`, feed.self === `${base}${path}`, feed.self);
        if (!tag) {
          wholeTitle[language] = feed.title;
        } else {
          check(`${name}: ${path} has a title of its own, naming its tag`,
            feed.title !== wholeTitle[language] && feed.title.includes(names[tag]), feed.title);
        }
        check(`${name}: ${path} has ${expected.length} items`, feed.items.length === expected.length, feed.items.length);
        const got = JSON.stringify(feed.items);
        const want = JSON.stringify(expected.map(({ title, link }) => ({ title, link })));
        check(`${name}: ${path} items are the pages in their served language`, got === want, `expected ${want}\n  got ${got}`);
        const inOwn = feed.items.filter((item) => item.link.includes(`/${language}/stories/`)).length;
        check(`${name}: ${path} links ${own} items in ${language}`, inOwn === own, inOwn);
      }
    }
  }
}

console.log(`${passed} passed, ${failed} failed (${feeds} feeds, ${Object.keys(PARSERS).length} parsers)`);
process.exit(failed ? 1 : 0);

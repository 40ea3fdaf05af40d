// The npm `sitemap` package's parsers, as crawlers' tooling reads sitemaps, on the sitemap
// index and every sitemap it lists (each language's, and each language's Google News
// sitemap): strict (an invalid entry is an error, not a dropped entry), every <url> read,
// with its lastmod, its hreflang alternates and, in news sitemaps, its publication date.
// Usage: node sitemaps.mjs http://127.0.0.1:8733
import { Readable } from 'node:stream';
import { ErrorLevel, XMLToSitemapItemStream, parseSitemapIndex } from 'sitemap';

const [base] = process.argv.slice(2);
if (!base) {
  console.error('usage: node sitemaps.mjs <server-url>');
  process.exit(2);
}

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

async function get(url) {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
  return { text: await response.text(), language: response.headers.get('content-language') };
}

function parseStrictly(xml) {
  return new Promise((resolve, reject) => {
    const items = [];
    Readable.from([xml])
      .pipe(new XMLToSitemapItemStream({ level: ErrorLevel.THROW }))
      .on('data', (item) => items.push(item))
      .on('end', () => resolve(items))
      .on('error', reject);
  });
}

const WHOLE_SECONDS = /^\d{4}-\d\d-\d\d(T\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d))?$/;

const index = await get(`${base}/sitemap.xml`);
const sitemaps = await parseSitemapIndex(Readable.from([index.text]));
check('the index lists four sitemaps', sitemaps.length === 4, JSON.stringify(sitemaps));
for (const { url, lastmod } of sitemaps) {
  check(`the index gives ${url} a lastmod in whole seconds`, WHOLE_SECONDS.test(lastmod ?? ''), lastmod);
}

let urls = 0;
for (const { url } of sitemaps) {
  const { text, language } = await get(url);
  const section = new URL(url).pathname.replace(/^\/sitemaps\//, '').replace(/\.xml$/, '');
  const sectionLanguage = section.replace(/^news-/, '');
  check(`${section} says it is in ${sectionLanguage}`, language === sectionLanguage, language);
  let items;
  try {
    items = await parseStrictly(text);
  } catch (error) {
    check(`${section} parses strictly`, false, error);
    continue;
  }
  const written = (text.match(/<url>/g) || []).length;
  check(`${section}: every one of its ${written} entries is read`, items.length === written && written > 0, items.length);
  for (const item of items) {
    urls += 1;
    check(`${item.url} is a page in ${sectionLanguage}`, item.url.includes(`/${sectionLanguage}/stories/`), item.url);
    const languages = item.links.map((link) => link.lang);
    check(`${item.url} names its own language and x-default`,
      languages.includes(sectionLanguage) && languages.includes('x-default'), languages);
    if (section.startsWith('news-')) {
      const date = item.news?.publication_date;
      check(`${item.url} has a news publication date in whole seconds`, WHOLE_SECONDS.test(date ?? ''), date);
      check(`${item.url} has a news title`, Boolean(item.news?.title), JSON.stringify(item.news));
    } else {
      check(`${item.url} has a lastmod`, WHOLE_SECONDS.test(item.lastmod ?? ''), item.lastmod);
    }
  }
}

console.log(`${passed} passed, ${failed} failed (${sitemaps.length} sitemaps, ${urls} entries)`);
process.exit(failed ? 1 : 0);

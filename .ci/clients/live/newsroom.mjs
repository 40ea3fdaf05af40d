// What the three subscription clients share: a Publisher publishing an entry through the
// admin's live-coverage composer (login, CSRF, one JSON request), and the checks.
// The publisher's login comes from CLIENTS_PUBLISHER and CLIENTS_PASSWORD.

function cookiesOf(response, jar) {
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const at = pair.indexOf('=');
    jar.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
  }
}

function header(jar) {
  return [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
}

export async function publisherSession(base) {
  const jar = new Map();
  const login = await fetch(`${base}/admin/login/`);
  cookiesOf(login, jar);
  const token = (await login.text()).match(/name="csrfmiddlewaretoken" value="([^"]+)"/)[1];
  const body = new URLSearchParams({
    csrfmiddlewaretoken: token,
    username: process.env.CLIENTS_PUBLISHER,
    password: process.env.CLIENTS_PASSWORD,
    next: '/admin/',
  });
  const answer = await fetch(`${base}/admin/login/`, {
    method: 'POST',
    body,
    redirect: 'manual',
    headers: { Cookie: header(jar), Referer: `${base}/admin/login/` },
  });
  cookiesOf(answer, jar);
  if (answer.status !== 302 || !jar.has('sessionid')) {
    throw new Error(`the publisher could not log in (${answer.status})`);
  }
  return async function publish(storyId, language, text) {
    const response = await fetch(`${base}/admin/cms/story/${storyId}/live/`, {
      method: 'POST',
      body: JSON.stringify({ action: 'publish', language, text }),
      headers: {
        'Content-Type': 'application/json',
        Cookie: header(jar),
        'X-CSRFToken': jar.get('csrftoken'),
        Referer: `${base}/admin/`,
      },
    });
    if (response.status !== 200) {
      throw new Error(`publishing failed: ${response.status} ${await response.text()}`);
    }
  };
}

// Entries in both languages, each told apart by a token of this run.
export function entriesForThisRun() {
  const run = Math.random().toString(36).slice(2, 10);
  return {
    en: { text: `Live from the hearing, run ${run}.`, html: `<p>Live from the hearing, run ${run}.</p>` },
    'zh-hans': { text: `听证会现场直播，第 ${run} 次。`, html: `<p>听证会现场直播，第 ${run} 次。</p>` },
  };
}

export const SUBSCRIPTION = `subscription Live($slug: String!, $language: String) {
  liveEntries(slug: $slug, language: $language) {
    change
    entryId
    entry { id language text { html } }
  }
}`;

// Waits for the first event of each language's subscription, fails on anything else.
export function expectEntries(entries, timeoutMs = 20000) {
  const waiting = {};
  const received = {};
  for (const language of Object.keys(entries)) {
    received[language] = new Promise((resolve, reject) => {
      waiting[language] = { resolve, reject };
    });
  }
  const timer = setTimeout(() => {
    for (const language of Object.keys(waiting)) {
      waiting[language].reject(new Error(`no ${language} entry within ${timeoutMs} ms`));
    }
  }, timeoutMs);
  return {
    // One result of the subscription in `language`.
    next(language, result) {
      if (result.errors?.length) {
        waiting[language].reject(new Error(JSON.stringify(result.errors)));
        return;
      }
      const event = result.data.liveEntries;
      const expected = entries[language];
      if (event.change !== 'PUBLISHED' || event.entry.language !== language || event.entry.text.html !== expected.html) {
        waiting[language].reject(new Error(`unexpected ${language} event ${JSON.stringify(event)}`));
        return;
      }
      waiting[language].resolve(event);
    },
    fail(language, error) {
      waiting[language].reject(error instanceof Error ? error : new Error(JSON.stringify(error)));
    },
    async all() {
      try {
        return await Promise.all(Object.values(received));
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export function usage(name, args) {
  if (args.length < 2 || !process.env.CLIENTS_PUBLISHER || !process.env.CLIENTS_PASSWORD) {
    console.error(`usage: CLIENTS_PUBLISHER=… CLIENTS_PASSWORD=… node ${name} <base-url> <story-id> <slug>`);
    process.exit(2);
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

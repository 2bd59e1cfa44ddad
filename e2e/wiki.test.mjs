// The acceptance scenario: one person, one private wiki, everything done in a real browser.
// Every step saves a full-page screenshot to e2e/artifacts/NN-step.png, also when it fails.
//
// Steps run in order and share one browser page; a failing step does not stop the ones after it
// (each navigates on its own), so one run reports every broken feature.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, writeArtifact } from './lib/server.mjs';
import { launchBrowser, screenshotter } from './lib/browser.mjs';
import { makePng } from './lib/png.mjs';

const CONTENT_V1 = `# Project Plan

Back to [[Home]].

| Phase | Owner | Status |
|-------|-------|--------|
| Design | Alice | done |
| Build | Bob | doing |

> [!NOTE]
> Remember to update the changelog before shipping.

- [x] write the plan
- [ ] ship it

Inline math $E = mc^2$ and a block:

$$
\\int_0^1 x^2 \\, dx = \\frac{1}{3}
$$

\`\`\`mermaid
graph TD
  A[Plan] --> B[Build]
\`\`\`

Status: draft
`;
const CONTENT_V2 = CONTENT_V1.replace('Status: draft', 'Status: approved');
const LINKER = 'See [[Project Plan]] for details.\n\n';
const PIXEL = makePng(24, 16, 1);
const DIAGRAM = makePng(64, 48, 2);

let server;
let browser;
let page;
let W; // the wiki's origin, http://notes.localhost:PORT
const shot = screenshotter();
// Uncaught page errors, console errors and failed sub-resources: message → first page it was seen on.
const problems = new Map();
const problem = (message) => { if (!problems.has(message)) problems.set(message, page.url()); };

/** A step: runs `fn`, then always screenshots the page as NN-`name`.png. */
function step(title, name, fn) {
  it(title, async () => {
    try {
      await fn();
    } finally {
      if (page) await shot(page, name);
    }
  });
}

const article = () => page.locator('article.page.wiki-content');
const norm = (s) => s.replace(/\r\n/g, '\n').trimEnd();

/** GET `url` from inside the page (same origin, with the session cookie). */
async function pageFetch(url) {
  return page.evaluate(async (u) => {
    const r = await fetch(u, { credentials: 'include' });
    const buf = new Uint8Array(await r.arrayBuffer());
    return {
      status: r.status,
      type: r.headers.get('content-type') ?? '',
      text: new TextDecoder().decode(buf),
      bytes: Array.from(buf),
    };
  }, url);
}

/** Fill the commit message and save; waits for the page view at `expectPath`. */
async function saveEditor(message, expectPath) {
  const msg = page.locator('#commit-message');
  if (!(await msg.isVisible())) await page.click('#preview-toggle'); // back from the preview
  await msg.fill(message);
  await Promise.all([
    page.waitForURL((u) => u.pathname === expectPath, { timeout: 20_000 }),
    page.click('#save'),
  ]);
}

/** Create a page through /-/create; ends in its editor. */
async function createPage(name, editPath) {
  await page.goto(`${W}/-/create`);
  await page.fill('input[name=pagename]', name);
  await Promise.all([
    page.waitForURL((u) => u.pathname === editPath, { timeout: 20_000 }),
    page.click('form:has(input[name=pagename]) button[type=submit]'),
  ]);
  await page.locator('textarea#editor').waitFor();
}

/** Wait until the first image matching `selector` has really loaded. */
async function imageLoaded(selector) {
  await page.waitForFunction((sel) => {
    const img = document.querySelector(sel);
    return img && img.complete && img.naturalWidth > 0;
  }, selector, { timeout: 15_000 });
}

/** History rows of the current history page, as locators of `tr.history-entry`. */
const historyRows = () => page.locator('tr.history-entry');
const historyRow = (text) => historyRows().filter({ hasText: text }).first();

describe('acceptance: a private wiki used in the browser', { timeout: 900_000 }, () => {
  before(async () => {
    server = await startServer();
    W = server.wikiUrl('notes');
    await server.cli(['user', 'add', 'alice', '--name', 'Alice']);
    await server.cli(['wiki', 'create', 'notes', '--owner', 'alice', '--name', 'Notes',
      '--description', 'Team notes for the e2e test']);
    browser = await launchBrowser();
    page = await browser.context.newPage();
    const local = (u) => u.replaceAll(String(server.port), 'PORT');
    page.on('pageerror', (e) => problem(`uncaught error: ${local(e.message)}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problem(`console error: ${local(m.text())}`);
    });
    page.on('response', (r) => {
      const type = r.request().resourceType();
      if (r.status() >= 400 && ['script', 'stylesheet', 'image', 'font'].includes(type)) {
        problem(`${type} ${local(r.url())} answered ${r.status()}`);
      }
    });
  });

  after(async () => {
    if (server) await writeArtifact('wiki-server.log', server.log());
    await browser?.close();
    await server?.cleanup();
  });

  step('an anonymous visitor of the private wiki lands on the login page', 'anonymous-login', async () => {
    await page.goto(`${W}/`);
    const url = new URL(page.url());
    assert.equal(url.origin, server.baseUrl, `expected the platform's login page, got ${page.url()}`);
    assert.equal(url.pathname, '/auth/login');
    assert.match(url.searchParams.get('return_to') ?? '', /notes\.localhost/,
      'return_to should point back at the wiki');
  });

  step('the login link logs in and redirects', 'logged-in', async () => {
    const link = (await server.cli(['login-link', 'alice'])).trim();
    assert.match(link, new RegExp(`^${server.baseUrl}/auth/link/\\S+$`), `login-link printed: ${link}`);
    await page.goto(link);
    assert.ok(!page.url().includes('/auth/link/'), `still on the link page: ${page.url()}`);
    assert.ok(!page.url().includes('/auth/login'), `sent to the login page: ${page.url()}`);
    const cookies = await browser.context.cookies(server.baseUrl);
    assert.ok(cookies.some((c) => c.name === 'robot_session'), `session cookie set (cookies: ${cookies.map((c) => c.name)})`);
    // the landing page lists the wikis alice can see
    await page.goto(`${server.baseUrl}/`);
    assert.ok(await page.locator('a[href*="notes.localhost"]').count() > 0, 'landing page links to the notes wiki');
  });

  step('the wiki opens on a Home page seeded from the templates', 'home', async () => {
    // On localhost the platform's cookie cannot reach the wiki host: the wiki sends the browser to
    // the platform's login, which hands the session over with a one-time link and comes back.
    const res = await page.goto(`${W}/`);
    assert.equal(res.status(), 200);
    assert.equal(new URL(page.url()).host, new URL(W).host, `redirected away to ${page.url()}`);
    await article().waitFor();
    await page.locator('h1.page-title').waitFor();
    for (const target of ['Getting_Started', 'Agent_Guide', 'Administration']) {
      assert.ok(await article().locator(`a[href*="${target}"]`).count() > 0, `Home links to ${target}`);
    }
    const text = await article().innerText();
    assert.ok(!text.includes('{{'), `template placeholders left in Home: ${text.slice(0, 200)}`);
    await page.click(`article a[href*="Getting_Started"]`);
    await page.waitForURL((u) => u.pathname === '/Getting_Started');
    await article().waitFor();
    assert.ok(!(await article().innerText()).includes('{{'), 'placeholders left in Getting Started');
  });

  step('create "Project Plan" via /-/create, which opens the editor', 'create-page', async () => {
    await createPage('Project Plan', '/Project_Plan/edit');
    assert.equal(await page.locator('form#editor-form').getAttribute('action'), '/Project_Plan/save');
  });

  step('write markdown and see it in the live preview', 'preview', async () => {
    await page.fill('textarea#editor', CONTENT_V1);
    await page.click('#preview-toggle');
    await page.locator('#preview table').waitFor({ state: 'visible', timeout: 15_000 });
    assert.match(await page.locator('#preview').innerText(), /Remember to update the changelog/);
  });

  step('save with a commit message; the page shows the content', 'saved', async () => {
    await saveEditor('Add project plan', '/Project_Plan');
    const a = article();
    await a.waitFor();
    await assert.doesNotReject(a.locator('table').filter({ hasText: 'Design' }).waitFor({ timeout: 5_000 }), 'table');
    assert.ok(await a.locator('div[class*="alert"]').filter({ hasText: 'Remember to update' }).count() > 0,
      'the [!NOTE] alert renders as a div with an alert class');
    const homeLinks = await a.locator('a').evaluateAll((els) => els
      .filter((e) => e.textContent.trim() === 'Home')
      .map((e) => new URL(e.href).pathname));
    assert.deepEqual(homeLinks, ['/Home'], 'the [[Home]] WikiLink points at /Home');
    const boxes = a.locator('input[type=checkbox]');
    assert.equal(await boxes.count(), 2, 'task list checkboxes');
    assert.equal(await boxes.first().isChecked(), true);
    assert.ok(await a.locator('math, .math, mjx-container').count() >= 2, 'inline and display math render');
    assert.ok(await a.locator('.mermaid').count() === 1, 'mermaid block is marked for the mermaid script');
    assert.match(await a.innerText(), /Status: draft/);
  });

  it('the page title is shown once', async () => {
    const titles = await page.locator('h1').filter({ hasText: /^Project Plan$/ }).count();
    assert.equal(titles, 1, `"Project Plan" appears as ${titles} h1 headings (page title + the page's own # heading)`);
  });

  step('mermaid draws the diagram', 'mermaid', async () => {
    await page.goto(`${W}/Project_Plan`);
    await article().locator('.mermaid svg').waitFor({ timeout: 20_000 });
  });

  step('edit again: change a line and save', 'edited', async () => {
    await page.goto(`${W}/Project_Plan`);
    await Promise.all([page.waitForURL((u) => u.pathname === '/Project_Plan/edit'), page.click('a#edit-link')]);
    const editor = page.locator('textarea#editor');
    assert.equal(norm(await editor.inputValue()), norm(CONTENT_V1), 'the editor loads the saved text');
    await editor.fill(CONTENT_V2);
    await saveEditor('Approve the plan', '/Project_Plan');
    assert.match(await article().innerText(), /Status: approved/);
  });

  step('create "Linker" linking [[Project Plan]]', 'linker', async () => {
    await createPage('Linker', '/Linker/edit');
    await page.fill('textarea#editor', `# Linker\n\n${LINKER}`);
    await saveEditor('Link to the plan', '/Linker');
    const hrefs = await article().locator('a').evaluateAll((els) => els.map((e) => new URL(e.href).pathname));
    assert.ok(hrefs.includes('/Project_Plan'), `Linker links to /Project_Plan (links: ${hrefs.join(', ')})`);
  });

  step('two editors save the same page: the second sees the conflict, and nothing is lost', 'edit-conflict', async () => {
    const second = await browser.context.newPage();
    try {
      await page.goto(`${W}/Linker/edit`);
      await second.goto(`${W}/Linker/edit`);
      const original = norm(await page.locator('textarea#editor').inputValue());
      await page.fill('textarea#editor', `${original}\nNote from the first tab.\n`);
      await saveEditor('first tab', '/Linker');
      await second.fill('textarea#editor', `${original}\nNote from the second tab.\n`);
      await second.click('#save');
      await second.locator('#edit-conflict').waitFor({ timeout: 20_000 });
      const merged = norm(await second.locator('textarea#editor').inputValue());
      assert.match(merged, /<<<<<<< your edit\n\n?Note from the second tab\.\n=======\n\n?Note from the first tab\.\n>>>>>>> current page/,
        `both versions between markers: ${merged}`);
      await page.goto(`${W}/Linker`);
      assert.match(await article().innerText(), /Note from the first tab/, 'the first save stands');
      const resolved = merged.replace(/^(<<<<<<< your edit|=======|>>>>>>> current page)\n/gm, '');
      await second.fill('textarea#editor', resolved);
      await Promise.all([
        second.waitForURL((u) => u.pathname === '/Linker', { timeout: 20_000 }),
        second.click('#save'),
      ]);
      const text = await second.locator('article').first().innerText();
      assert.match(text, /Note from the first tab/);
      assert.match(text, /Note from the second tab/);
    } finally {
      await second.close();
    }
  });

  step('attach an image from the editor (#attach-file) and see it inline', 'editor-upload', async () => {
    await page.goto(`${W}/Linker/edit`);
    await page.locator('textarea#editor').press('Control+End');
    await page.setInputFiles('#attach-file', { name: 'pixel.png', mimeType: 'image/png', buffer: PIXEL });
    try {
      await page.waitForFunction(() => document.querySelector('textarea#editor').value.includes('![pixel.png](./pixel.png)'),
        null, { timeout: 15_000 });
    } catch {
      const status = await page.locator('#editor-status').innerText().catch(() => '');
      assert.fail(`the upload did not insert ![pixel.png](./pixel.png); editor status: "${status}"`);
    }
    await saveEditor('Add a picture', '/Linker');
    await imageLoaded('article.page.wiki-content img');
  });

  step('upload an attachment on the attachments page', 'attachments', async () => {
    await page.goto(`${W}/Project_Plan/attachments`);
    await page.setInputFiles('input[type=file][name=file]', { name: 'diagram.png', mimeType: 'image/png', buffer: DIAGRAM });
    await Promise.all([page.waitForLoadState('load'), page.click('#upload')]);
    await page.locator('table.attachments').filter({ hasText: 'diagram.png' }).waitFor();
    await imageLoaded('table.attachments img.thumb');
    for (const url of ['/Project_Plan/a/diagram.png', '/Project_Plan/diagram.png']) {
      const r = await pageFetch(url);
      assert.equal(r.status, 200, url);
      assert.match(r.type, /^image\/png/, `${url} content type`);
      assert.deepEqual(Buffer.from(r.bytes), DIAGRAM, `${url} serves the uploaded bytes`);
    }
  });

  step('view the attachment inline', 'attachment-inline', async () => {
    await page.goto(`${W}/Project_Plan/a/diagram.png`);
    await imageLoaded('img');
    const width = await page.locator('img').first().evaluate((img) => img.naturalWidth);
    assert.equal(width, 64);
  });

  step('history lists both edits', 'history', async () => {
    await page.goto(`${W}/Project_Plan/history`);
    assert.equal(await page.locator('.flash').filter({ hasText: 'Uploaded' }).count(), 0,
      'the upload message was already shown on the attachments page; it must not come back');
    assert.ok(await historyRows().count() >= 2, 'at least two history entries');
    await historyRow('Add project plan').waitFor();
    await historyRow('Approve the plan').waitFor();
  });

  step('compare two revisions: the diff shows added and removed lines', 'diff', async () => {
    await page.goto(`${W}/Project_Plan/history`);
    await historyRow('Add project plan').locator('input[name=rev_a]').check();
    await historyRow('Approve the plan').locator('input[name=rev_b]').check();
    await Promise.all([page.waitForURL(/\/Project_Plan\/diff\/[0-9a-f]+\/[0-9a-f]+/), page.click('#compare')]);
    assert.ok(await page.locator('tr.diff-line.added').filter({ hasText: 'Status: approved' }).count() >= 1, 'added line');
    assert.ok(await page.locator('tr.diff-line.removed').filter({ hasText: 'Status: draft' }).count() >= 1, 'removed line');
  });

  step('blame groups lines into chunks per commit', 'blame', async () => {
    await page.goto(`${W}/Project_Plan/blame`);
    assert.ok(await page.locator('div.blame-chunk').count() >= 2, 'two commits, at least two chunks');
    assert.ok(await page.locator('div.blame-chunk').filter({ hasText: 'Status: approved' }).count() >= 1);
  });

  step('revert the last edit: the content is the first version again', 'revert', async () => {
    await page.goto(`${W}/Project_Plan/history`);
    await Promise.all([
      page.waitForURL(/\/-\/revert\/[0-9a-f]+/),
      historyRow('Approve the plan').locator('a.revert').click(),
    ]);
    await Promise.all([page.waitForLoadState('load'), page.click('#confirm-revert')]);
    await page.waitForURL((u) => !u.pathname.startsWith('/-/revert/'));
    const raw = await pageFetch('/Project_Plan/raw');
    assert.equal(raw.status, 200);
    assert.equal(norm(raw.text), norm(CONTENT_V1), 'raw text after the revert');
    await page.goto(`${W}/Project_Plan`);
    const text = await article().innerText();
    assert.match(text, /Status: draft/);
    assert.doesNotMatch(text, /Status: approved/);
  });

  step('rename "Project Plan" to "Project Roadmap", updating backlinks', 'rename', async () => {
    await page.goto(`${W}/Project_Plan/rename`);
    await page.fill('input[name=new_name]', 'Project Roadmap');
    await page.check('input[name=update_backlinks]');
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/Project_Roadmap', { timeout: 20_000 }),
      page.click('form:has(input[name=new_name]) button[type=submit]'),
    ]);
    await article().waitFor();
    assert.match(await article().innerText(), /Status: draft/);
    const old = await pageFetch('/Project_Plan');
    assert.equal(old.status, 404, 'the old name is gone');
    const moved = await pageFetch('/Project_Roadmap/a/diagram.png');
    assert.equal(moved.status, 200, 'attachments move with the page');
  });

  step('"Linker" now links to /Project_Roadmap', 'backlinks', async () => {
    await page.goto(`${W}/Linker`);
    const hrefs = await article().locator('a').evaluateAll((els) => els.map((e) => new URL(e.href).pathname));
    assert.ok(hrefs.includes('/Project_Roadmap'), `links on Linker: ${hrefs.join(', ')}`);
    assert.ok(!hrefs.includes('/Project_Plan'), 'no link to the old name is left');
    const raw = await pageFetch('/Linker/raw');
    assert.match(raw.text, /\[\[Project Roadmap\]\]/);
  });

  step('history of the renamed page still shows the earlier commits', 'renamed-history', async () => {
    await page.goto(`${W}/Project_Roadmap/history`);
    assert.ok(await historyRows().count() >= 4, 'create, edit, revert, rename');
    await historyRow('Add project plan').waitFor();
    await historyRow('Approve the plan').waitFor();
  });

  step('delete "Linker": the page is gone and offers to create it', 'deleted', async () => {
    await page.goto(`${W}/Linker/delete`);
    await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]#confirm-delete')]);
    await page.waitForURL((u) => !u.pathname.endsWith('/delete'));
    const res = await page.goto(`${W}/Linker`);
    assert.equal(res.status(), 404);
    const createLinks = await page.locator('a[href*="/Linker/edit"]').count();
    assert.ok(createLinks > 0 || /create/i.test(await page.locator('body').innerText()),
      'the 404 page offers to create the page');
  });

  step('the changelog lists the commits', 'changelog', async () => {
    await page.goto(`${W}/-/changelog`);
    const text = await page.locator('body').innerText();
    for (const msg of ['Add project plan', 'Approve the plan', 'Link to the plan']) {
      assert.ok(text.includes(msg), `changelog mentions "${msg}"`);
    }
    assert.match(text, /revert/i, 'the revert commit is listed');
  });

  step('RSS and Atom feeds are well-formed XML', 'feeds', async () => {
    const check = async (url, root, item) => page.evaluate(async ([u, rootName, itemName]) => {
      const r = await fetch(u);
      const text = await r.text();
      const doc = new DOMParser().parseFromString(text, 'application/xml');
      return {
        status: r.status,
        type: r.headers.get('content-type') ?? '',
        error: doc.querySelector('parsererror')?.textContent ?? null,
        root: doc.documentElement.localName,
        items: doc.getElementsByTagName(itemName).length,
        mentions: text.includes('Approve the plan'),
        rootOk: doc.documentElement.localName === rootName,
      };
    }, [url, root, item]);
    const rss = await check('/-/changelog/feed.rss', 'rss', 'item');
    const atom = await check('/-/changelog/feed.atom', 'feed', 'entry');
    for (const [name, f] of [['rss', rss], ['atom', atom]]) {
      assert.equal(f.status, 200, `${name} status`);
      assert.match(f.type, /xml/, `${name} content type`);
      assert.equal(f.error, null, `${name} parses as XML`);
      assert.ok(f.rootOk, `${name} root element is ${f.root}`);
      assert.ok(f.items >= 5, `${name} has entries (${f.items})`);
      assert.ok(f.mentions, `${name} mentions the commit messages`);
    }
    await page.goto(`${W}/-/changelog/feed.atom`);
  });

  step('search finds the renamed page', 'search', async () => {
    const hits = async (q) => {
      await page.goto(`${W}/-/search?q=${encodeURIComponent(q)}`);
      return page.locator('main a[href$="/Project_Roadmap"], article a[href$="/Project_Roadmap"], a[href$="/Project_Roadmap"]').count();
    };
    const none = await hits('zqxjkwv');
    const byContent = await hits('changelog');
    assert.ok(byContent > none, 'a word from the page text finds it');
    const byName = await hits('Roadmap');
    assert.ok(byName > none, 'the page name finds it');
    assert.match(await page.locator('body').innerText(), /Roadmap/);
  });

  step('the page index lists the pages', 'index', async () => {
    await page.goto(`${W}/-/index`);
    const hrefs = await page.locator('a').evaluateAll((els) => els.map((e) => new URL(e.href).pathname));
    for (const p of ['/Home', '/Project_Roadmap', '/Getting_Started', '/Agent_Guide', '/Administration']) {
      assert.ok(hrefs.includes(p), `index links to ${p}`);
    }
    assert.ok(!hrefs.includes('/Linker'), 'deleted pages are not listed');
  });

  step('the owner can open the wiki settings', 'admin', async () => {
    const res = await page.goto(`${W}/-/admin`);
    assert.equal(res.status(), 200);
    assert.ok(await page.locator('form').count() > 0, 'settings form');
  });

  step('dark mode toggle sets html[data-theme=dark]', 'dark-mode', async () => {
    await page.goto(`${W}/Project_Roadmap`);
    const toggle = page.locator([
      '#theme-toggle', '.theme-toggle', '[data-theme-toggle]', '[data-action="toggle-theme"]',
      'button[aria-label*="theme" i]', 'button[title*="theme" i]', 'button[aria-label*="dark" i]',
      'button[title*="dark" i]',
    ].join(', ')).first();
    await toggle.waitFor({ timeout: 5_000 });
    for (let i = 0; i < 3; i += 1) {
      if (await page.locator('html[data-theme=dark]').count()) break;
      await toggle.click();
    }
    await page.locator('html[data-theme=dark]').waitFor({ state: 'attached', timeout: 2_000 });
    await page.reload();
    assert.equal(await page.locator('html').getAttribute('data-theme'), 'dark', 'the choice survives a reload');
  });

  step('a phone-sized viewport shows the page without sideways scrolling', 'phone', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${W}/Project_Roadmap`);
    await article().waitFor();
    const { scroll, inner } = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      inner: window.innerWidth,
    }));
    assert.ok(scroll <= inner + 1, `page is ${scroll}px wide in a ${inner}px viewport`);
  });

  it('no script errors, console errors or broken assets along the way', () => {
    const seen = [...problems].map(([message, url]) => `${message} (first on ${url})`);
    assert.deepEqual(seen, []);
  });
});

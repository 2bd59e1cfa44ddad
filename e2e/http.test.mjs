// Plain HTTP against the real binary, no browser: tenancy by Host header, auth answers for humans
// and for JSON clients, CSRF, and inputs that try to reach git options or the file system.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { startServer, cookieHeader, writeArtifact } from './lib/server.mjs';

let server;
let wikiHost; // notes.localhost:PORT
let rootHost; // localhost:PORT
let session; // Cookie header of alice's session

const JSON_ACCEPT = { Accept: 'application/json' };
// What a browser sends; without an Accept header the server (rightly) answers like an API.
const HTML_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const PWNED = '/tmp/robot-e2e-pwned';

const get = (host, p, headers = {}) => server.request(host, p, { headers: { Accept: HTML_ACCEPT, ...headers } });
const authed = (p, opts = {}) => server.request(wikiHost, p, {
  ...opts,
  headers: { Accept: HTML_ACCEPT, Cookie: session, ...opts.headers },
});

function assertJson(res, status) {
  assert.equal(res.status, status, `status (body: ${res.text.slice(0, 200)})`);
  assert.match(res.headers['content-type'] ?? '', /application\/json/, 'content type');
  assert.doesNotThrow(() => res.json(), `JSON body: ${res.text.slice(0, 200)}`);
}

function assertNoLeak(res, what) {
  assert.ok(!res.text.includes('root:x:0:0'), `${what} leaked /etc/passwd`);
  assert.ok(!res.text.startsWith('SQLite format 3'), `${what} leaked the platform DB`);
  assert.ok(!res.text.includes('BEGIN PRIVATE KEY') && !res.text.includes('BEGIN RSA PRIVATE KEY'),
    `${what} leaked the signing key`);
}

/** The hidden inputs (CSRF token and friends) of the first form whose tag matches `formRe`. */
function hiddenFields(html, formRe) {
  const form = html.match(new RegExp(`<form[^>]*${formRe.source}[^>]*>[\\s\\S]*?</form>`, 'i'))?.[0] ?? '';
  const fields = {};
  for (const input of form.matchAll(/<input\b[^>]*>/gi)) {
    const tag = input[0];
    if (!/type=["']?hidden/i.test(tag)) continue;
    const name = tag.match(/name=["']([^"']+)["']/i)?.[1];
    const value = tag.match(/value=["']([^"']*)["']/i)?.[1] ?? '';
    if (name) fields[name] = value.replaceAll('&amp;', '&').replaceAll('&quot;', '"');
  }
  return fields;
}

/** Session cookie plus whatever the edit page set (a CSRF cookie, if the design uses one). */
function mergeCookies(base, setCookies) {
  const jar = new Map(base.split('; ').filter(Boolean).map((p) => [p.split('=')[0], p]));
  for (const pair of cookieHeader(setCookies).split('; ').filter(Boolean)) jar.set(pair.split('=')[0], pair);
  return [...jar.values()].join('; ');
}

async function filesUnder(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    out.push(path.join(entry.parentPath ?? entry.path, entry.name));
  }
  return out;
}

describe('HTTP surface', { timeout: 300_000 }, () => {
  before(async () => {
    server = await startServer();
    wikiHost = `notes.localhost:${server.port}`;
    rootHost = `localhost:${server.port}`;
    await server.cli(['user', 'add', 'alice', '--name', 'Alice']);
    await server.cli(['wiki', 'create', 'notes', '--owner', 'alice']);
    session = await server.loginCookie('alice');
  });

  after(async () => {
    if (server) await writeArtifact('http-server.log', server.log());
    await server?.cleanup();
  });

  it('health check answers on the bare domain', async () => {
    const res = await get(rootHost, '/-/healthz');
    assert.equal(res.status, 200);
  });

  it('an unknown wiki host is a 404 page, and JSON 404 for JSON clients', async () => {
    const html = await get(`nosuchwiki.localhost:${server.port}`, '/');
    assert.equal(html.status, 404);
    assert.match(html.headers['content-type'] ?? '', /text\/html/);
    const json = await get(`nosuchwiki.localhost:${server.port}`, '/', JSON_ACCEPT);
    assertJson(json, 404);
  });

  it('anonymous visitors of a private wiki are sent to the login page', async () => {
    const res = await get(wikiHost, '/Home');
    assert.ok([302, 303, 307].includes(res.status), `status ${res.status}`);
    const location = new URL(res.headers.location);
    assert.equal(location.origin, server.baseUrl);
    assert.equal(location.pathname, '/auth/login');
    assert.match(location.searchParams.get('return_to') ?? '', /notes\.localhost/);
  });

  it('anonymous JSON clients of a private wiki get 401 JSON', async () => {
    assertJson(await get(wikiHost, '/', JSON_ACCEPT), 401);
    assertJson(await get(wikiHost, '/Home/raw', JSON_ACCEPT), 401);
  });

  it('the session from a login link opens the wiki', async () => {
    const res = await authed('/');
    assert.equal(res.status, 200, res.text.slice(0, 300));
    assert.match(res.text, /<article[^>]*class="[^"]*page/);
  });

  it('a login link works only once', async () => {
    const link = new URL((await server.cli(['login-link', 'alice'])).trim());
    const first = await get(rootHost, link.pathname);
    assert.ok(first.status >= 300 && first.status < 400, `first use redirects (got ${first.status})`);
    const second = await get(rootHost, link.pathname);
    const cookie = cookieHeader(second.headers['set-cookie']);
    const probe = await get(wikiHost, '/', { ...JSON_ACCEPT, Cookie: cookie });
    assertJson(probe, 401);
  });

  it('login-link --return-to redirects there, open redirects are refused', async () => {
    const back = `http://notes.localhost:${server.port}/Home`;
    const ok = new URL((await server.cli(['login-link', 'alice', '--return-to', back])).trim());
    // A browser: one cookie jar per host (localhost cannot share the cookie), redirects followed.
    const jars = new Map();
    let location = new URL(ok.pathname + ok.search, server.baseUrl);
    let handoffPath = null;
    for (let hop = 0; hop < 8; hop += 1) {
      const res = await get(location.host, location.pathname + location.search, { Cookie: jars.get(location.host) ?? '' });
      jars.set(location.host, mergeCookies(jars.get(location.host) ?? '', res.headers['set-cookie']));
      if (location.pathname.startsWith('/-/auth/handoff/')) {
        handoffPath = location.pathname;
        assert.ok(cookieHeader(res.headers['set-cookie']).includes('robot_session='), 'the handoff sets the wiki cookie');
      }
      if (!(res.status >= 300 && res.status < 400)) break;
      location = new URL(res.headers.location ?? '/', `http://${location.host}`);
    }
    // localhost cannot share the cookie: the wiki host binds this browser, then redeems a one-time
    // handoff link minted for it.
    assert.ok(handoffPath, 'signed in on the wiki host through a handoff link');
    assert.equal(location.href, back);
    const again = await get(wikiHost, handoffPath, { Cookie: jars.get(wikiHost) ?? '' });
    assert.ok(again.status >= 400, `a handoff link works once (second use: ${again.status})`);
    const stranger = await get(wikiHost, handoffPath);
    assert.ok(stranger.status >= 400, `another browser cannot use it (got ${stranger.status})`);
    const evil = await server.cli(['login-link', 'alice', '--return-to', 'https://evil.example/']).then(
      (out) => new URL(out.trim()),
      () => null, // refusing to mint the link is also fine
    );
    if (evil) {
      const r = await get(rootHost, evil.pathname + evil.search);
      assert.ok(!(r.headers.location ?? '').includes('evil.example'), `redirected to ${r.headers.location}`);
    }
  });

  it('a form POST with the CSRF token saves; without it the answer is 403', async () => {
    const edit = await authed('/Home/edit');
    assert.equal(edit.status, 200);
    const fields = hiddenFields(edit.text, /id=["']editor-form["']/);
    const cookies = mergeCookies(session, edit.headers['set-cookie']);
    const before = await authed('/Home/raw');

    const forged = await server.request(wikiHost, '/Home/save', {
      method: 'POST',
      headers: { Accept: HTML_ACCEPT, Cookie: cookies, Origin: `http://${wikiHost}` },
      body: { content: '# Home\n\nforged\n', message: 'forged', base_revision: fields.base_revision ?? '' },
    });
    assert.equal(forged.status, 403, `POST without token: ${forged.status} ${forged.text.slice(0, 200)}`);
    assert.equal((await authed('/Home/raw')).text, before.text, 'a forged POST changes nothing');

    const real = await server.request(wikiHost, '/Home/save', {
      method: 'POST',
      headers: { Accept: HTML_ACCEPT, Cookie: cookies, Origin: `http://${wikiHost}` },
      body: { ...fields, content: `${before.text.trimEnd()}\n\nSaved over plain HTTP.\n`, message: 'http save' },
    });
    assert.ok(real.status >= 300 && real.status < 400, `POST with token: ${real.status} ${real.text.slice(0, 300)}`);
    assert.match((await authed('/Home/raw')).text, /Saved over plain HTTP\./);
  });

  it('revisions that look like git options or paths are refused', async () => {
    const bad = ['--output=/tmp/robot-e2e-pwned', '../../etc/passwd', '-p', 'HEAD;id', 'HEAD~1', 'zzzz', 'abc'];
    for (const rev of bad) {
      const enc = encodeURIComponent(rev);
      for (const p of [
        `/Home?revision=${enc}`,
        `/Home/diff/${enc}/${enc}`,
        `/-/commit/${enc}`,
        `/-/revert/${enc}`,
        `/Home/a/x.png?revision=${enc}`,
      ]) {
        const res = await authed(p);
        assert.ok([400, 404].includes(res.status), `${p} answered ${res.status}`);
        assertNoLeak(res, p);
      }
    }
    assert.ok(!existsSync(PWNED), `${PWNED} was written`);
  });

  it('page paths with .. cannot escape the wiki', async () => {
    const paths = [
      '/../../etc/passwd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/..%2f..%2f..%2fetc%2fpasswd',
      '/Home/..%2f..%2f..%2f..%2fetc%2fpasswd',
      '/Home/a/..%2f..%2f..%2f..%2f..%2fetc%2fpasswd',
      '/Home/a/..%2f..%2frobot.db',
      '/..%2f..%2frobot.db',
      '/..%2f..%2fkeys%2fsession.pem',
      '/-/static/..%2f..%2f..%2fCargo.toml',
      '/-/static/../../../../etc/passwd',
    ];
    for (const p of paths) {
      for (const host of [wikiHost, rootHost]) {
        const res = await server.request(host, p, { headers: { Accept: HTML_ACCEPT, Cookie: session } });
        assert.ok(res.status >= 300 && res.status < 500, `${host}${p} answered ${res.status}`);
        assert.notEqual(res.status, 200, `${host}${p} answered 200`);
        assertNoLeak(res, `${host}${p}`);
      }
    }
  });

  it('saving to a page path with .. writes nothing outside the wiki', async () => {
    const edit = await authed('/Home/edit');
    const fields = hiddenFields(edit.text, /id=["']editor-form["']/);
    const cookies = mergeCookies(session, edit.headers['set-cookie']);
    for (const p of ['/..%2f..%2fescape-e2e/save', '/a/..%2f..%2f..%2fescape-e2e/save', '/%2e%2e/escape-e2e/save']) {
      const res = await server.request(wikiHost, p, {
        method: 'POST',
        headers: { Accept: HTML_ACCEPT, Cookie: cookies, Origin: `http://${wikiHost}` },
        body: { ...fields, base_revision: '', content: '# escaped\n', message: 'escape' },
      });
      assert.ok(res.status < 500, `${p} answered ${res.status}`);
    }
    const outside = (await filesUnder(server.dataDir)).filter((f) => f.includes('escape-e2e'));
    assert.deepEqual(outside, [], 'no file named after the page appears in the data dir');
    assert.ok(!existsSync(path.join(path.dirname(server.dataDir), 'escape-e2e.md')));
  });
});

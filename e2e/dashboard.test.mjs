// The dashboard in a real browser against the real binary: sign in with a login link, create a
// wiki, read the MCP token and the `claude mcp add` command the page shows once, use that token
// against the new wiki's REST API and MCP endpoint, turn on git access and clone and push with
// it, invite a collaborator, then delete the wiki
// and the account. Every step saves a screenshot (e2e/artifacts/NN-dashboard-*.png).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, writeArtifact } from './lib/server.mjs';
import { launchBrowser, screenshotter } from './lib/browser.mjs';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let server;
let browser;
let page;
let host; // alice's wiki host, alice.localhost:PORT
let token;
const shot = screenshotter();
const problems = [];

function step(title, name, fn) {
  it(title, async () => {
    try {
      await fn();
    } finally {
      if (page) await shot(page, `dashboard-${name}`);
    }
  });
}

const flash = () => page.locator('div.flash').first().innerText();

/** JSON-RPC to the wiki's /mcp with a bearer token. */
async function mcp(method, params, bearer = token) {
  const res = await server.request(host, '/mcp', {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      'MCP-Protocol-Version': '2025-06-18',
      Authorization: `Bearer ${bearer}`,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return res;
}

describe('dashboard: from sign-in to account deletion', { timeout: 600_000 }, () => {
  before(async () => {
    server = await startServer();
    host = `alice.localhost:${server.port}`;
    await server.cli(['user', 'add', 'alice', '--name', 'Alice']);
    await server.cli(['user', 'add', 'bob', '--name', 'Bob']);
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.on('pageerror', (e) => problems.push(`uncaught error: ${e.message}`));
    page.on('dialog', (d) => d.accept());
  });

  after(async () => {
    if (server) await writeArtifact('dashboard-server.log', server.log());
    await browser?.close();
    await server?.cleanup();
  });

  step('a login link signs in and lands on the dashboard', 'signed-in', async () => {
    const link = (await server.cli(['login-link', 'alice', '--return-to', '/app/'])).trim();
    await page.goto(link);
    assert.equal(new URL(page.url()).pathname, '/app/', `landed on ${page.url()}`);
    assert.equal(await page.locator('h1.page-title').innerText(), 'Your wikis');
    assert.equal(await page.inputValue('#slug'), 'alice', 'the slug is suggested from the handle');
  });

  step('a reserved slug is refused with a clear message and nothing is created', 'bad-slug', async () => {
    // (The browser's own pattern check stops malformed slugs before they are sent.)
    await page.fill('#slug', 'admin');
    await page.fill('#display_name', 'Alice notes');
    await page.click('#create');
    assert.match(await flash(), /Invalid slug: slug is reserved/);
    assert.equal(await page.inputValue('#display_name'), 'Alice notes', 'what was typed is kept');
  });

  step('creating a wiki shows its MCP token and the claude command once', 'created', async () => {
    await page.fill('#slug', 'alice');
    await page.fill('#display_name', 'Alice notes');
    await page.fill('#description', 'Memory for my agents');
    await page.click('#create');
    token = (await page.locator('#token-secret').innerText()).trim();
    assert.match(token, /^rwt_[A-Za-z0-9_-]{43}$/);
    const command = (await page.locator('#claude-command').innerText()).trim();
    assert.equal(
      command,
      `claude mcp add --transport http alice http://${host}/mcp --header "Authorization: Bearer ${token}"`,
    );
    assert.equal((await page.locator('#mcp-endpoint').innerText()).trim(), `http://${host}/mcp`);
  });

  step('the shown token works on the new wiki: REST and MCP', 'token-works', async () => {
    const res = await server.request(host, '/api/v1/pages/Home', { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200, res.text);
    assert.match(res.json().content, /Alice notes|Memory for my agents/);
    const init = await mcp('initialize', {
      protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'e2e', version: '1' },
    });
    assert.equal(init.status, 200, init.text);
    const write = await mcp('tools/call', { name: 'write_note', arguments: { path: 'From Agent', content: '# Hello from MCP\n' } });
    assert.equal(write.status, 200, write.text);
    assert.notEqual(write.json().result.isError, true, write.text);
    const read = await server.request(host, '/api/v1/pages/From%20Agent', { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(read.status, 200, read.text);
    assert.match(read.json().content, /Hello from MCP/);
  });

  step('reloading the settings page never shows the secret again', 'settings', async () => {
    await page.goto(`${server.baseUrl}/app/wiki/alice`);
    assert.equal(await page.locator('#token-secret').count(), 0);
    assert.match(await page.locator('#claude-command').innerText(), /Bearer <token>/);
    assert.equal(await page.locator('tr[data-token="mcp"]').count(), 1);
    const cells = page.locator('tr[data-token="mcp"] td');
    assert.equal((await cells.nth(2).innerText()).trim(), 'alice', 'the list says who minted the token');
    const used = await cells.nth(4).innerText();
    assert.notEqual(used.trim(), 'never', 'last use is recorded');
  });

  step('regenerating revokes the old token at once', 'regenerated', async () => {
    await page.click('#regenerate');
    const fresh = (await page.locator('#token-secret').innerText()).trim();
    assert.notEqual(fresh, token);
    const old = await server.request(host, '/api/v1/pages', { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(old.status, 401, old.text);
    token = fresh;
    const now = await server.request(host, '/api/v1/pages', { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(now.status, 200, now.text);
  });

  step('turning on git access shows the clone command; git clones and pushes with the token', 'git', async () => {
    await page.goto(`${server.baseUrl}/app/wiki/alice`);
    assert.equal(await page.locator('#git-clone').count(), 0, 'no clone command while git is off');
    await page.check('#git_access');
    await page.click('#save-settings');
    const shown = (await page.locator('#git-clone').innerText()).trim();
    assert.equal(shown, `git clone http://token:<token>@${host}/.git alice`);
    const work = mkdtempSync(join(tmpdir(), 'robot-git-'));
    const git = (args, cwd = work) => execFileSync('git', [
      '-c', `http.curloptResolve=${host}:127.0.0.1`, '-c', 'user.name=Alice', '-c', 'user.email=alice@example.com',
      ...args,
    ], { cwd, env: { PATH: process.env.PATH, HOME: work, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1' } }).toString();
    try {
      const [, , url, dir] = shown.replace('<token>', token).split(' ');
      git(['clone', '-q', url, dir]);
      const clone = join(work, dir);
      assert.match(readFileSync(join(clone, 'From Agent.md'), 'utf8'), /Hello from MCP/, 'the MCP write is in the clone');
      writeFileSync(join(clone, 'From Git.md'), '# Pushed with git\n');
      git(['add', '.'], clone);
      git(['commit', '-qm', 'from git'], clone);
      git(['push', '-q', 'origin', 'main'], clone);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    const pushed = await server.request(host, '/api/v1/pages/From%20Git', { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(pushed.status, 200, pushed.text);
    assert.match(pushed.json().content, /Pushed with git/);
    const found = await server.request(host, '/api/v1/search?q=pushed', { headers: { Authorization: `Bearer ${token}` } });
    assert.match(found.text, /From Git/, 'a pushed page is searchable at once');
  });

  step('inviting an unknown handle says so; inviting bob lets him in', 'invited', async () => {
    await page.goto(`${server.baseUrl}/app/wiki/alice`);
    await page.fill('#invite-handle', 'nobody');
    await page.click('#invite-submit');
    assert.match(await flash(), /no robot\.wtf user with the handle “nobody”/);
    const bobCookie = await server.loginCookie('bob');
    const before = await server.request(host, '/Home', { headers: { Cookie: bobCookie, Accept: 'text/html' } });
    assert.equal(before.status, 403, 'bob cannot read before the invitation');
    await page.fill('#invite-handle', 'bob');
    await page.selectOption('#invite-role', 'editor');
    await page.click('#invite-submit');
    assert.match(await flash(), /bob is now editor/);
    assert.equal(await page.locator('tr[data-member="bob"]').count(), 1);
    const after = await server.request(host, '/Home', { headers: { Cookie: bobCookie, Accept: 'text/html' } });
    assert.equal(after.status, 200, 'bob reads after the invitation');
  });

  step('deleting needs the slug typed exactly, then removes the wiki and its tokens', 'wiki-deleted', async () => {
    await page.fill('#confirm_slug', 'Alice');
    await page.click('#delete-wiki');
    assert.match(await flash(), /did not match/);
    const still = await server.request(host, '/api/v1/pages', { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(still.status, 200, 'nothing was deleted');
    await page.fill('#confirm_slug', 'alice');
    await page.click('#delete-wiki');
    assert.equal(new URL(page.url()).pathname, '/app/');
    assert.match(await flash(), /Deleted the wiki alice/);
    const gone = await server.request(host, '/api/v1/pages', { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(gone.status, 404, gone.text);
    const check = await server.request(`localhost:${server.port}`, `/api/internal/check-slug?domain=alice.localhost`);
    assert.equal(check.status, 404, 'no certificate for a deleted wiki');
  });

  step('deleting the account signs out', 'account-deleted', async () => {
    await page.goto(`${server.baseUrl}/app/account`);
    await page.fill('#confirm_handle', 'alice');
    await page.click('#delete-account');
    assert.equal(new URL(page.url()).pathname, '/');
    await page.goto(`${server.baseUrl}/app/`);
    assert.equal(new URL(page.url()).pathname, '/auth/login', `expected the login page, got ${page.url()}`);
    const users = await server.cli(['user', 'list']);
    assert.doesNotMatch(users, /^alice\b/m);
    assert.match(users, /^bob\b/m);
  });

  it('the pages raised no script errors', () => {
    assert.deepEqual(problems, []);
  });
});

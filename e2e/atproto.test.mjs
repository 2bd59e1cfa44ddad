// Sign in with Bluesky, end to end: the real `robot` binary against a local ATProto network (the
// official PDS with its OAuth authorization server, and a PLC directory; see
// e2e/atproto-env/start.mjs), driven in headless Chromium. The flow is the production one:
// PAR + PKCE + DPoP (with nonces) + private_key_jwt, the user signs in and consents on the PDS's
// own pages, the callback is checked and exchanged. Then, signed in with Bluesky: create a wiki
// on the dashboard, connect an agent with the token shown once, invite a collaborator, delete
// the wiki; the display name comes from her Bluesky profile record; logout with token revocation
// (checked at the PDS); "log out everywhere" (a copied cookie stops working, tokens revoked);
// tampered or replayed callbacks.
//
// Screenshots land in e2e/artifacts/atproto-NN-step.png.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServer, artifactsDir } from './lib/server.mjs';
import { launchBrowser } from './lib/browser.mjs';
import { startAtprotoNetwork, queryDb, getSession, putProfile, ALICE_PASSWORD } from './lib/atproto.mjs';

let network;
let server;
let browser;
let page;
let shots = 0;
/** alice's Bluesky display name, written to her profile record before she signs in. */
const ALICE_NAME = 'Alice Example';
/** Callback URLs the browser was sent to, in order. */
const callbacks = [];

async function shot(name) {
  shots += 1;
  const file = path.join(await artifactsDir(), `atproto-${String(shots).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true, timeout: 15_000 }).catch(() => {});
}

/** Each step screenshots the page, also when it fails. */
function step(title, name, fn) {
  it(title, async () => {
    try {
      await fn();
    } finally {
      await shot(name);
    }
  });
}

/** The stored ATProto sessions of alice (tokens and DPoP keys), newest last. */
async function aliceSessions() {
  return queryDb(
    path.join(server.dataDir, 'robot.db'),
    "SELECT s.access_token, s.dpop_key, s.pds_url FROM atproto_sessions s JOIN users u ON u.id = s.user_id WHERE u.did IS NOT NULL ORDER BY s.id",
  );
}

/**
 * From the platform login page to the PDS and back: type the handle, sign in with the password
 * on the PDS, accept the consent screen. Resolves once the browser is back on the platform.
 * With `intercept`, the redirect back is stopped and the callback URL returned instead.
 */
async function signInAtPds({ intercept = false } = {}) {
  await page.goto(`${server.baseUrl}/auth/login`);
  await page.fill('#handle', 'alice.test');
  await Promise.all([
    page.waitForURL((u) => u.origin === network.pds),
    page.click('#atproto-login button[type=submit]'),
  ]);
  await shot('pds-sign-in');
  await page.locator('input[name=password]').fill(ALICE_PASSWORD);
  await page.locator('button[type=submit]').first().click();
  const accept = page.getByRole('button', { name: /^(authorize|accept|allow)/i });
  await accept.waitFor();
  await shot('pds-consent');
  if (!intercept) {
    await Promise.all([
      page.waitForURL((u) => u.origin === server.baseUrl && !u.pathname.startsWith('/auth/atproto')),
      accept.click(),
    ]);
    return page.url();
  }
  let caught;
  const stopped = new Promise((resolve) => { caught = resolve; });
  // Route handlers never see the targets of redirects, so catch the PDS's last hop (which
  // answers 303 to our callback) and read its Location instead of following it.
  await page.route(/\/oauth\/authorize\/redirect/, async (route) => {
    // Chromium adds the Fetch-Metadata headers below the page, where Playwright cannot see them;
    // the PDS insists on them, so replay them for this navigation.
    const headers = {
      ...(await route.request().allHeaders()),
      'sec-fetch-mode': 'navigate',
      'sec-fetch-dest': 'document',
      'sec-fetch-site': 'same-origin',
    };
    const res = await route.fetch({ maxRedirects: 0, headers });
    caught(res.headers().location);
    await route.abort();
  });
  try {
    await accept.click();
    return await Promise.race([
      stopped,
      new Promise((_, reject) => setTimeout(() => reject(new Error('no redirect to the callback within 15 s')), 15_000)),
    ]);
  } finally {
    await page.unroute(/\/oauth\/authorize\/redirect/);
  }
}

/** The callback on the platform host itself (the browser reaches it via the loopback alias). */
const onPlatform = (callbackUrl) => {
  const u = new URL(callbackUrl);
  return `${server.baseUrl}${u.pathname}${u.search}`;
};

describe('sign in with Bluesky (ATProto OAuth against a local PDS)', { timeout: 180_000 }, () => {
  before(async () => {
    network = await startAtprotoNetwork();
    server = await startServer({
      extraArgs: [
        '--atproto-plc-url', network.plc,
        '--atproto-handle-resolver', network.pds,
        '--atproto-insecure-test',
        // Five sign-ins and their callbacks exceed the default login burst; rate limits have
        // their own e2e test (limits.test.mjs).
        '--rate-login', 'off',
      ],
    });
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.on('request', (req) => {
      if (req.isNavigationRequest() && req.url().includes('/auth/atproto/callback')) callbacks.push(req.url());
    });
  });

  after(async () => {
    await browser?.close();
    if (process.exitCode && server) server.dumpLog();
    await server?.cleanup();
    await network?.stop();
  });

  step('the client metadata document and JWKS are served', 'metadata', async () => {
    const res = await server.request(`localhost:${server.port}`, '/oauth/client-metadata.json');
    assert.equal(res.status, 200);
    const doc = res.json();
    assert.equal(doc.client_id, `${server.baseUrl}/oauth/client-metadata.json`);
    assert.deepEqual(doc.redirect_uris, [`http://127.0.0.1:${server.port}/auth/atproto/callback`]);
    assert.equal(doc.token_endpoint_auth_method, 'private_key_jwt');
    assert.equal(doc.dpop_bound_access_tokens, true);
    const jwks = (await server.request(`localhost:${server.port}`, '/oauth/jwks.json')).json();
    assert.deepEqual(jwks, doc.jwks);
    assert.equal(jwks.keys[0].d, undefined, 'no private key material');
    await page.goto(`${server.baseUrl}/oauth/client-metadata.json`);
  });

  step('an unknown handle gets a clear error on the login page', 'unknown-handle', async () => {
    await page.goto(`${server.baseUrl}/auth/login`);
    await page.fill('#handle', 'nobody.test');
    await page.click('#atproto-login button[type=submit]');
    await page.locator('.flash-error').waitFor();
    assert.match(await page.locator('.flash-error').innerText(), /could not find the handle “nobody\.test”/);
    assert.equal(await page.inputValue('#handle'), 'nobody.test', 'the handle is kept');
  });

  step('alice signs in at her PDS and comes back signed in, named from her profile', 'signed-in', async () => {
    assert.equal(await putProfile(network.pds, network.did, `  ${ALICE_NAME}\u202e `), 200);
    const landed = await signInAtPds();
    assert.equal(new URL(landed).pathname, '/');
    assert.match(await page.locator('header').innerText(), new RegExp(ALICE_NAME));
    // The authorization server redirects to the loopback alias, which forwards to the platform.
    assert.match(callbacks[0], /^http:\/\/127\.0\.0\.1:\d+\/auth\/atproto\/callback\?/);
    assert.equal(callbacks[1], onPlatform(callbacks[0]));
    const users = await queryDb(path.join(server.dataDir, 'robot.db'), 'SELECT handle, did, display_name FROM users');
    assert.deepEqual(users, [{ handle: 'alice.test', did: network.did, display_name: ALICE_NAME }]);
    await page.goto(`${server.baseUrl}/app/account`);
    assert.match(await page.locator('body').innerText(), new RegExp(`Name: ${ALICE_NAME}`));
  });

  step('the stored ATProto session works at the PDS', 'pds-session', async () => {
    const [session] = await aliceSessions();
    assert.ok(session, 'a session is stored');
    const res = await getSession(session.pds_url.replace(/\/$/, ''), session.access_token, session.dpop_key);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.did, network.did);
    assert.equal(res.body.handle, 'alice.test');
  });

  step('replaying the callback is refused', 'replayed-callback', async () => {
    const res = await page.goto(onPlatform(callbacks[0]));
    assert.equal(res.status(), 400);
    assert.match(await page.locator('.flash-error').innerText(), /unknown, expired or was already used/);
  });

  step('alice creates a wiki on the dashboard, connects an agent, invites bob, deletes it', 'dashboard', async () => {
    await server.cli(['user', 'add', 'bob', '--name', 'Bob']);
    await page.goto(`${server.baseUrl}/app/`);
    assert.equal(await page.locator('h1.page-title').innerText(), 'Your wikis');
    await page.fill('#slug', 'notes');
    await page.fill('#display_name', 'Alice notes');
    await page.click('#create');
    const token = (await page.locator('#token-secret').innerText()).trim();
    assert.match(token, /^rwt_[A-Za-z0-9_-]{43}$/);
    const host = `notes.localhost:${server.port}`;
    assert.match(await page.locator('#claude-command').innerText(), new RegExp(`http://${host}/mcp`));
    // The MCP endpoint takes the token shown once.
    const call = await server.request(host, '/mcp', {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        'MCP-Protocol-Version': '2025-06-18',
        Authorization: `Bearer ${token}`,
      },
      body: JSON.stringify({
        jsonrpc: '2.0', id: 1, method: 'tools/call',
        params: { name: 'write_note', arguments: { path: 'From Agent', content: '# Hello from MCP\n' } },
      }),
    });
    assert.equal(call.status, 200, call.text);
    assert.notEqual(call.json().result.isError, true, call.text);
    // bob is invited by handle and can read; the wiki is private to everyone else.
    const anonymous = await server.request(host, '/Home', { headers: { Accept: 'text/html' } });
    assert.notEqual(anonymous.status, 200, 'a new wiki is private');
    await page.fill('#invite-handle', 'bob');
    await page.selectOption('#invite-role', 'viewer');
    await page.click('#invite-submit');
    assert.equal(await page.locator('tr[data-member="bob"]').count(), 1);
    const bob = await server.request(host, '/From_Agent', {
      headers: { Cookie: await server.loginCookie('bob'), Accept: 'text/html' },
    });
    assert.equal(bob.status, 200, 'bob reads after the invitation');
    // The owner opens the wiki, signed in through the handoff.
    await page.goto(`${server.wikiUrl('notes')}/`);
    await page.waitForURL((u) => u.host === host && u.pathname === '/');
    assert.match(await page.locator('body').innerText(), new RegExp(ALICE_NAME));
    // Deleting removes the wiki and its token.
    await page.goto(`${server.baseUrl}/app/wiki/notes`);
    await page.fill('#confirm_slug', 'notes');
    await page.click('#delete-wiki');
    assert.equal(new URL(page.url()).pathname, '/app/');
    const gone = await server.request(host, '/api/v1/pages', { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(gone.status, 404, gone.text);
  });

  step('logout revokes the ATProto tokens', 'logged-out', async () => {
    const [session] = await aliceSessions();
    await page.goto(`${server.baseUrl}/auth/logout`);
    await Promise.all([page.waitForURL(`${server.baseUrl}/`), page.click('#confirm-logout')]);
    assert.doesNotMatch(await page.locator('header').innerText(), new RegExp(ALICE_NAME));
    assert.deepEqual(await aliceSessions(), [], 'the stored session is gone');
    const res = await getSession(session.pds_url.replace(/\/$/, ''), session.access_token, session.dpop_key);
    assert.equal(res.status, 401, `the revoked token must be refused: ${JSON.stringify(res.body)}`);
  });

  step('log out everywhere ends a copied session and revokes the ATProto tokens', 'logged-out-everywhere', async () => {
    await signInAtPds();
    const [session] = await aliceSessions();
    assert.ok(session, 'signed in again');
    const cookies = await page.context().cookies(server.baseUrl);
    const copied = cookies.filter((c) => c.name === 'robot_session').map((c) => `${c.name}=${c.value}`).join('; ');
    assert.ok(copied, 'a session cookie to copy');
    const me = (cookie) => server.request(`localhost:${server.port}`, '/api/me', { headers: { Cookie: cookie, Accept: 'application/json' } });
    assert.equal((await me(copied)).status, 200);
    await page.goto(`${server.baseUrl}/app/account`);
    await Promise.all([page.waitForURL(`${server.baseUrl}/`), page.click('#logout-everywhere')]);
    assert.match(await page.locator('.flash-ok').innerText(), /signed out everywhere/);
    assert.doesNotMatch(await page.locator('header').innerText(), new RegExp(ALICE_NAME));
    assert.equal((await me(copied)).status, 401, 'the copied cookie is refused');
    assert.deepEqual(await aliceSessions(), [], 'the stored session is gone');
    const res = await getSession(session.pds_url.replace(/\/$/, ''), session.access_token, session.dpop_key);
    assert.equal(res.status, 401, `the revoked token must be refused: ${JSON.stringify(res.body)}`);
    // Signing in again right away works.
    await signInAtPds();
    assert.match(await page.locator('header').innerText(), new RegExp(ALICE_NAME));
    await page.goto(`${server.baseUrl}/auth/logout`);
    await Promise.all([page.waitForURL(`${server.baseUrl}/`), page.click('#confirm-logout')]);
  });

  step('a callback with a foreign issuer is refused, and its state is spent', 'wrong-issuer', async () => {
    const genuine = await signInAtPds({ intercept: true });
    const tampered = new URL(onPlatform(genuine));
    assert.equal(tampered.searchParams.get('iss'), network.pds);
    tampered.searchParams.set('iss', 'https://evil.example.com');
    const res = await page.goto(tampered.href);
    assert.equal(res.status(), 400);
    assert.match(await page.locator('.flash-error').innerText(), /comes from "https:\/\/evil\.example\.com"/);
    const again = await page.goto(onPlatform(genuine));
    assert.equal(again.status(), 400, 'the genuine callback no longer works either');
    assert.match(await page.locator('.flash-error').innerText(), /already used/);
    await page.goto(`${server.baseUrl}/`);
    assert.doesNotMatch(await page.locator('header').innerText(), new RegExp(ALICE_NAME), 'not signed in');
    assert.deepEqual(await aliceSessions(), []);
  });
});

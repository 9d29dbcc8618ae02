// @ts-check
// Drives Swagger UI (/docs) in headless Chromium the way a person would:
// authorise (email + password through the OAuth2 password flow when the
// spec offers it, else a pasted bearer token), run "List tasks", and check
// that the 200 response shows; then reload and check the authorisation
// survived (persistAuthorization). Saves screenshots for a person to look at.
//
// Usage: TASKS_API_URL=http://127.0.0.1:PORT SCREENSHOT_DIR=DIR node browser-test.mjs
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { chromium } from 'playwright-core';

const baseUrl = process.env.TASKS_API_URL;
assert.ok(baseUrl, 'set TASKS_API_URL to the server under test');
const screenshots = process.env.SCREENSHOT_DIR ?? 'screenshots';
mkdirSync(screenshots, { recursive: true });
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';

// A fresh account to log in with.
const email = `browser-${Date.now()}@example.com`;
const password = 'correct horse battery staple';
const signUp = await fetch(`${baseUrl}/api/auth/signup`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ email, password }),
});
assert.equal(signUp.status, 201, 'sign-up for the browser test');
/** @type {{ user: { id: string }, access_token: string }} */
const session = await signUp.json();

/** @type {{ components?: { securitySchemes?: Record<string, any> } }} */
const spec = await (await fetch(`${baseUrl}/openapi.json`)).json();
const schemes = spec.components?.securitySchemes ?? {};
const passwordScheme = Object.entries(schemes).find(
  ([, scheme]) => scheme.type === 'oauth2' && scheme.flows?.password,
)?.[0];
const bearerScheme = Object.entries(schemes).find(
  ([, scheme]) => scheme.type === 'http' && scheme.scheme === 'bearer',
)?.[0];

// Playwright gives each launch a new, empty profile directory.
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});

let failed = true;
const context = await browser.newContext({ viewport: { width: 1280, height: 1600 } });
const page = await context.newPage();
page.setDefaultTimeout(15_000);
try {
  await page.goto(`${baseUrl}/docs`);
  await page.locator('.swagger-ui .info .title').waitFor();
  console.log('ok - /docs shows Swagger UI');

  await page.locator('.swagger-ui .auth-wrapper button.authorize').click();
  const dialog = page.locator('.swagger-ui .dialog-ux .modal-ux');
  await dialog.waitFor();
  if (passwordScheme) {
    const form = dialog.locator('.auth-container').filter({ hasText: passwordScheme });
    await form.locator('#oauth_username').fill(email);
    await form.locator('#oauth_password').fill(password);
    const tokenResponse = page.waitForResponse((r) => r.url().endsWith('/api/auth/token'));
    await form.locator('button.authorize').click();
    assert.equal((await tokenResponse).status(), 200, 'the token request succeeds');
    await form.locator('button.btn-done, button.logout').first().waitFor();
    console.log(`ok - authorised with email and password (${passwordScheme})`);
  } else {
    assert.ok(bearerScheme, 'the spec offers a bearer scheme');
    const form = dialog.locator('.auth-container').filter({ hasText: bearerScheme });
    await form.locator('input').first().fill(session.access_token);
    await form.locator('button.authorize').click();
    console.log(`ok - authorised with a pasted bearer token (${bearerScheme})`);
  }
  await dialog.locator('button.btn-done, button.close-modal').first().click();
  await dialog.waitFor({ state: 'detached' });

  await listTasks('list-tasks');

  // persistAuthorization: the authorisation outlives a reload.
  await page.reload();
  await page.locator('.swagger-ui .auth-wrapper button.authorize.locked').waitFor();
  await listTasks('list-tasks-after-reload');
  console.log('ok - the authorisation survives a reload');
  failed = false;
} finally {
  if (failed) {
    await page.screenshot({ path: join(screenshots, 'failure.png'), fullPage: true }).catch(() => {});
  }
  await browser.close();
}

/**
 * Opens "List tasks", fills the caller's id, executes, and asserts a 200.
 * @param {string} shot
 */
async function listTasks(shot) {
  const op = page.locator('.opblock').filter({
    has: page.locator('.opblock-summary-path', { hasText: /^\/api\/\{user_id\}\/tasks$/ }),
  }).filter({ has: page.locator('.opblock-summary-method', { hasText: /^GET$/ }) });
  await op.locator('.opblock-summary').first().click();
  await op.locator('button.try-out__btn').click();
  await op.locator('tr[data-param-name="user_id"] input').fill(session.user.id);
  await op.locator('button.execute').click();
  const status = op.locator('.live-responses-table .response .response-col_status').first();
  await status.waitFor();
  assert.equal((await status.innerText()).trim(), '200', 'List tasks answers 200');
  const body = await op.locator('.live-responses-table .response-col_description pre').first().innerText();
  assert.match(body, /"items"/, 'the response body shows the task page');
  await op.screenshot({ path: join(screenshots, `${shot}.png`) });
  console.log(`ok - "List tasks" shows 200 (screenshot ${shot}.png)`);
  // Collapse it again so a second run starts from the same state.
  await op.locator('.opblock-summary').first().click();
}

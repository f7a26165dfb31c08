// Sign in with the dev picker and link, see, change and remove a partner ID in the browser, including the ID
// checked as typed and the service's 409 when the page was out of date (issue 6, "Link to a partner ID").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, devSignIn, devToken, api, shot, BASE, T04, ANNA } from '../harness.js';

const ARM = '/providers/Microsoft.ManagementPartner/partners';
const V = 'api-version=2018-02-01';
let browser;
let page;

before(async () => {
  browser = await launch();
  page = await browser.context.newPage();
});
after(async () => { await browser?.close(); });

test('a customer principal signs in, links, changes, meets a conflict and removes the link', async () => {
  const started = Date.now();
  await page.goto(`${BASE}/#/signin`);
  await page.getByRole('heading', { name: 'Development sign-in' }).waitFor();
  assert.ok(await page.getByText('dev only').isVisible(), 'the dev sign-in is labelled');
  await shot(page, '01-sign-in');

  await devSignIn(page, T04, ANNA);
  await page.waitForURL(/#\/link$/);
  assert.ok(await page.locator('#devbanner').isVisible(), 'the dev session is labelled on every page');
  await page.getByText('This account is not linked to a partner ID.').waitFor();
  assert.equal(await page.getByRole('link', { name: 'Influence' }).count(), 0, 'no dashboard for a customer');

  // Checked as typed: digits, length, then the directory.
  const input = page.getByLabel('Partner ID (location MPN ID)');
  await input.fill('41a');
  await page.locator('#partner-id-check').getByText('digits only').waitFor();
  await input.fill('41000');
  await page.locator('#partner-id-check').getByText('6 to 10 digits (5 so far)').waitFor();
  await input.fill('9999999');
  await page.locator('#partner-id-check').getByText('Unknown partner ID').waitFor();
  await input.fill('4100001');
  const offer = page.locator('#partner-id-check').getByRole('button', { name: /^4100011/ });
  await offer.waitFor();
  assert.match(await page.locator('#partner-id-check').innerText(), /Contoso Managed Services/);
  await shot(page, '02-link-global-id-refused');
  await offer.click();
  assert.equal(await input.inputValue(), '4100011');
  await page.locator('#partner-id-check').getByText('✓ Contoso Managed Services, Seattle').waitFor();

  // Link.
  await page.getByRole('button', { name: 'Link', exact: true }).click();
  await page.locator('#link-partner-id').getByText('4100011').waitFor();
  assert.equal(await page.locator('#link-partner-name').innerText(), 'Contoso Managed Services, Seattle');
  const token = await devToken(T04, ANNA);
  const linked = await api('GET', `${ARM}?${V}`, { token });
  assert.equal(linked.properties.partnerId, '4100011');
  assert.equal(await page.locator('#link-version').innerText(), String(linked.properties.version));
  await shot(page, '03-linked');

  // Change (PATCH): version +1, created time kept.
  await input.fill('4100012');
  await page.locator('#partner-id-check').getByText('✓ Contoso Managed Services, Dublin').waitFor();
  await page.getByRole('button', { name: 'Change to this partner ID' }).click();
  await page.locator('#link-partner-id').getByText('4100012').waitFor();
  const moved = await api('GET', `${ARM}?${V}`, { token });
  assert.equal(moved.properties.partnerId, '4100012');
  assert.equal(moved.properties.version, linked.properties.version + 1);
  assert.equal(moved.properties.createdTime, linked.properties.createdTime);
  assert.equal(await page.locator('#link-version').innerText(), String(moved.properties.version));

  // Remove.
  await page.getByRole('button', { name: 'Remove the link to 4100012' }).click();
  await page.getByRole('button', { name: 'Yes, remove it' }).click();
  await page.getByText('This account is not linked to a partner ID.').waitFor();
  assert.equal((await api('GET', `${ARM}?${V}`, { token, raw: true })).status, 404);

  // The 409: another client links meanwhile; the page (still showing "not linked") tries to create a link.
  await api('PUT', `${ARM}/4100011?${V}`, { token });
  await input.fill('4100012');
  await page.locator('#partner-id-check').getByText('✓').waitFor();
  await page.getByRole('button', { name: 'Link', exact: true }).click();
  const alert = page.locator('#outcome [role="alert"]');
  await alert.waitFor();
  const conflict = await api('PUT', `${ARM}/4100012?${V}`, { token, raw: true });
  assert.equal(conflict.status, 409);
  assert.match(await alert.innerText(), new RegExp(`^PartnerIdAlreadyLinked: ${escape(conflict.body.error.message)}`));
  await page.locator('#link-partner-id').getByText('4100011').waitFor();  // the page now shows the real link
  await shot(page, '04-link-conflict');

  // And remove it for good.
  await page.getByRole('button', { name: 'Remove the link to 4100011' }).click();
  await page.getByRole('button', { name: 'Yes, remove it' }).click();
  await page.getByText('This account is not linked to a partner ID.').waitFor();
  assert.equal((await api('GET', `${ARM}?${V}`, { token, raw: true })).status, 404);

  assert.deepEqual(browser.problems, []);
  assert.ok(Date.now() - started < 90000);
});

test('the link page is usable with the keyboard alone and labels every control', async () => {
  await page.goto(`${BASE}/#/link`);
  await page.getByLabel('Partner ID (location MPN ID)').waitFor();
  const unlabeled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
    .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).map((el) => el.id || el.name));
  assert.deepEqual(unlabeled, []);
  // Tab from the top reaches the partner ID field, and Enter submits the form.
  await page.locator('body').focus();
  let reached = false;
  for (let i = 0; i < 15 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => document.activeElement?.id === 'partner-id');
  }
  assert.ok(reached, 'the partner ID field is reachable with Tab');
  await page.keyboard.type('4100011');
  await page.locator('#partner-id-check').getByText('✓').waitFor();
  await page.keyboard.press('Enter');
  await page.locator('#link-partner-id').getByText('4100011').waitFor();
  const token = await devToken(T04, ANNA);
  await api('DELETE', `${ARM}/4100011?${V}`, { token });
});

test('a pasted bearer token signs in once the server accepts it, and its refusal is shown as worded', async () => {
  const other = await browser.context.newPage();
  await other.goto(`${BASE}/#/signin`);
  const area = other.getByLabel('Bearer token');
  await area.fill('not-a-token');
  await other.getByRole('button', { name: 'Sign in with this token' }).click();
  await other.getByText('That is not a JWT').waitFor();
  // A well-formed token of a principal the directory does not have: the server's 403, in its words.
  const stranger = await devToken(T04, '30000000-0000-4000-8000-049999999999');
  await area.fill(stranger);
  await other.getByRole('button', { name: 'Sign in with this token' }).click();
  await other.locator('.status .error').waitFor();
  const refused = await api('GET', '/openpal/v1/me', { token: stranger, raw: true });
  assert.equal(refused.status, 403);
  assert.equal(await other.locator('.status .error').innerText(), `${refused.body.error.code}: ${refused.body.error.message}`);
  await area.fill(`Bearer ${await devToken(T04, ANNA)}`);
  await other.getByRole('button', { name: 'Sign in with this token' }).click();
  await other.waitForURL(/#\/link$/);
  assert.equal(await other.locator('#who .who-name').innerText(), 'Anna Alpine');
  assert.equal(await other.locator('#devbanner').isVisible(), false, 'a pasted token is not labelled as a dev sign-in');
  await other.close();
});

test('no request leaves pal serve', () => {
  const foreign = browser.requests.filter((u) => !u.startsWith(`${BASE}/`));
  assert.deepEqual(foreign, []);
});

function escape(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

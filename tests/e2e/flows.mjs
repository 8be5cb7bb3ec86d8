// The customer's story in a real browser (headless Debian Chromium through
// playwright-core), run by test_browser.py against a live daemon.
//
// Environment: TG_URL (https://localhost:PORT), TG_LOGIN, TG_PASSWORD,
// TG_CODES (JSON file of the one-time codes the SMTP and webhook sinks
// received), TG_SPKI (hash of the daemon's certificate key, trusted for
// this run), TG_CHROMIUM, TG_SHOTS (screenshot folder).
//
// Prints one JSON line per step ({"step", "result": "ok"|"failed"}) and
// exits non-zero at the first failure, with a screenshot of the page.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { chromium } from 'playwright-core';

const E = process.env;
const BASE = E.TG_URL;
const LOGIN = E.TG_LOGIN;
let password = E.TG_PASSWORD;
const SHOTS = E.TG_SHOTS || '/tmp/tradeguard-e2e';
const CODE_WAIT_MS = 25000;

// ---------------------------------------------------------------- helpers

function report(step, result, extra = {}) {
  console.log(JSON.stringify({ step, result, ...extra }));
}

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

function readCodes() {
  try {
    return JSON.parse(fs.readFileSync(E.TG_CODES, 'utf8'));
  } catch (e) {
    return [];
  }
}

// The first code for channel received after the first `since` ones.
async function nextCode(channel, since) {
  const deadline = Date.now() + CODE_WAIT_MS;
  while (Date.now() < deadline) {
    const c = readCodes().slice(since).find((x) => x.channel === channel);
    if (c) return c.code;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no ${channel} code arrived within ${CODE_WAIT_MS} ms`);
}

function base32Decode(s) {
  const alpha = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of s.replace(/[=\s]/g, '').toUpperCase()) {
    const v = alpha.indexOf(ch);
    if (v < 0) throw new Error('bad base32');
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

// RFC 6238 with SHA-1, 6 digits, 30 s: what an authenticator app shows.
function totp(secret, ms = Date.now()) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(Math.floor(ms / 30000)));
  const h = crypto.createHmac('sha1', base32Decode(secret)).update(msg).digest();
  const o = h[h.length - 1] & 0x0f;
  const n = ((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3];
  return String(n % 1000000).padStart(6, '0');
}

// ---------------------------------------------------------------- browser

fs.mkdirSync(SHOTS, { recursive: true });
const browser = await chromium.launch({
  executablePath: E.TG_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    // The daemon's self-signed certificate counts as valid for this run
    // (a page with certificate errors may not use WebAuthn).
    `--ignore-certificate-errors-spki-list=${E.TG_SPKI}`,
  ],
});
const context = await browser.newContext({ viewport: { width: 1200, height: 860 } });
const page = await context.newPage();
page.setDefaultTimeout(20000);

const problems = [];
page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
page.on('console', (msg) => {
  const text = msg.text();
  // Failed API calls (401, 403) are expected here; CSP violations are not.
  if (msg.type() === 'error' && !/^Failed to load resource/.test(text)) {
    problems.push(`console: ${text}`);
  }
});

// Chromium's virtual authenticator (WebAuthn through CDP).
const cdp = await context.newCDPSession(page);
await cdp.send('WebAuthn.enable');
let authenticatorId = null;

async function useAuthenticator({ hasUserVerification, isUserVerified }) {
  let creds = [];
  if (authenticatorId) {
    creds = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
    await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
  }
  ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2', transport: 'internal', hasResidentKey: true,
      hasUserVerification, isUserVerified, automaticPresenceSimulation: true,
    },
  }));
  // The same passkey, now on an authenticator with other capabilities.
  for (const credential of creds) {
    await cdp.send('WebAuthn.addCredential', { authenticatorId, credential });
  }
}

async function shot(name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

async function text(sel) {
  return (await page.locator(sel).textContent()) ?? '';
}

async function visible(sel) {
  await page.locator(sel).waitFor({ state: 'visible' });
}

async function sessionInfo() {
  return page.evaluate(async () => {
    const r = await fetch('/v1/session', { credentials: 'same-origin' });
    return r.ok ? r.json() : { status: r.status };
  });
}

async function expectKinds(want) {
  const s = await sessionInfo();
  const got = [...(s.factor_kinds || [])].sort().join(',');
  check(got === [...want].sort().join(','), `session kinds ${got} = ${want}`);
}

async function factorChoices() {
  return page.locator('#factor-choices button').evaluateAll((bs) => bs.map((b) => b.dataset.factor));
}

async function accountReady() {
  await page.waitForURL('**/account.html');
  await page.locator('body[data-ready="true"]').waitFor();
}

async function signInWithPassword() {
  await page.goto(`${BASE}/login.html`);
  await page.fill('#login', LOGIN);
  await page.fill('#password', password);
  await page.click('#password-submit');
  await visible('#step-factor');
}

async function logout() {
  await page.click('#logout');
  await page.waitForURL('**/login.html');
  const s = await sessionInfo();
  check(s.status === 401, `no session after logout (${JSON.stringify(s)})`);
}

// Send a code in the step-up dialog or on the sign-in page and enter it.
async function enterSentCode(prefix, channel, shotName) {
  const since = readCodes().length;
  await page.click(`#${prefix}code-send`);
  await visible(`#${prefix}code-sent`);
  const code = await nextCode(channel, since);
  await page.fill(`#${prefix}code`, code);
  if (shotName) await shot(shotName);
  await page.click(`#${prefix}code-submit`);
  return code;
}

let failed = false;
async function step(name, fn) {
  if (failed) return;
  try {
    await fn();
    report(name, 'ok');
  } catch (err) {
    failed = true;
    report(name, 'failed', { error: String(err && err.stack ? err.stack : err), url: page.url() });
    await shot(`failed-${name.replace(/[^a-z0-9]+/gi, '-')}`).catch(() => {});
  }
}

// ---------------------------------------------------------------- the story

await useAuthenticator({ hasUserVerification: true, isUserVerified: true });

await step('login page (zh-TW)', async () => {
  await page.goto(`${BASE}/`);
  check(page.url().endsWith('/login.html'), `/ leads to /login.html (${page.url()})`);
  check(await page.getAttribute('html', 'lang') === 'zh-TW', 'lang="zh-TW" by default');
  check((await text('h1')) === '登入電子交易', 'Chinese heading');
  check((await page.title()).startsWith('登入'), 'Chinese title');
  await shot('01-login-zh');
});

await step('password+email (zh-TW)', async () => {
  await signInWithPassword();
  const choices = await factorChoices();
  check(choices.includes('email') && choices.includes('sms'), `email and sms offered (${choices})`);
  check(!choices.includes('webauthn') && !choices.includes('totp'), `nothing unbound offered (${choices})`);
  check((await text('#factor-progress')).includes('密碼（知識）'), 'progress shows the password');
  await shot('02-factor-choice');
  await page.click('#factor-choices button[data-factor="email"]');
  // A wrong code first: a short message and the code, nothing else (OPS-04).
  const since = readCodes().length;
  await page.click('#code-send');
  await visible('#code-sent');
  check((await text('#code-sent')).includes('驗證碼已傳送至'), 'sent-to message');
  const code = await nextCode('email', since);
  const wrong = code.slice(0, 5) + String((Number(code[5]) + 1) % 10);
  await page.fill('#code', wrong);
  await page.click('#code-submit');
  await visible('#msg');
  const msg = await text('#msg');
  check(msg.includes('TG-AUTH-001') && !msg.includes('{'), `short error (${msg})`);
  await page.fill('#code', code);
  await page.click('#code-submit');
  await accountReady();
  check((await text('#s-login')) === LOGIN, 'account page shows the login');
  const kinds = await text('#s-kinds');
  check(kinds.includes('密碼（知識）') && kinds.includes('裝置（持有）'), `kinds shown (${kinds})`);
  await expectKinds(['knowledge', 'possession']);
  await shot('03-account-zh');
});

await step('step-up refused with the login factor', async () => {
  await page.fill('#pk-name', '筆電');
  await page.click('#pk-add');
  await visible('#stepup');
  const choices = await page.locator('#su-choices button').evaluateAll((bs) => bs.map((b) => b.dataset.factor));
  check(choices.join(',') === 'email,sms', `step-up offers email and sms (${choices})`);
  await shot('04-step-up-dialog');
  await page.click('#su-choices button[data-factor="email"]');
  await enterSentCode('su-', 'email');
  // Email was the login's own factor: refused at once, the dialog asks for another.
  await visible('#su-msg');
  check((await text('#su-msg')).includes('請改用登入時未使用的驗證方式'), 'asks for another factor');
  check(await page.locator('#stepup').isVisible(), 'dialog stays open');
  await page.click('#su-cancel');
  await page.locator('#stepup').waitFor({ state: 'hidden' });
  check(await page.locator('#factor-rows tr[data-type="webauthn"]').count() === 0, 'no passkey yet');
});

await step('passkey registered after SMS step-up', async () => {
  await page.click('#pk-add');
  await visible('#stepup');
  await page.click('#su-choices button[data-factor="sms"]');
  await enterSentCode('su-', 'sms', '05-step-up-sms');
  await page.locator('#stepup').waitFor({ state: 'hidden' });
  await visible('#status');
  check((await text('#status')) === '通行金鑰已註冊。', 'registered message');
  const row = page.locator('#factor-rows tr[data-type="webauthn"]');
  await row.waitFor();
  check(await row.count() === 1, 'one passkey listed');
  const cells = await row.locator('td').allTextContents();
  check(cells[1] === '筆電' && cells[2] === '啟用中' && cells[5] === '有', `passkey row (${cells})`);
  await shot('05-passkey-registered');
  check(await page.getAttribute('#factor-rows tr[data-type="webauthn"] button', 'aria-label') === '撤銷「筆電」',
    'revoke button names its factor');
});

await step('totp enrolled', async () => {
  await page.fill('#totp-name', '手機 App');
  await page.click('#totp-add');       // the SMS step-up is still fresh
  await visible('#totp-enrol');
  const src = await page.getAttribute('#totp-qr', 'src');
  check(src.startsWith('data:image/svg+xml;base64,'), 'QR as a data: image');
  const width = await page.locator('#totp-qr').evaluate((img) => img.naturalWidth);
  check(width > 0, 'QR image rendered under the CSP');
  const secret = (await text('#totp-secret')).trim();
  check(/^[A-Z2-7]{16,}$/.test(secret), `base32 secret (${secret})`);
  await shot('06-totp-enrol');
  await page.fill('#totp-code', totp(secret));
  await page.click('#totp-confirm');
  await visible('#status');
  check((await text('#status')) === '驗證器已啟用。', 'enabled message');
  const cells = await page.locator('#factor-rows tr[data-type="totp"] td').allTextContents();
  check(cells[1] === '手機 App' && cells[2] === '啟用中', `totp row (${cells})`);
});

await step('recovery codes', async () => {
  await page.click('#rc-generate');
  await visible('#rc-out');
  const codes = await page.locator('#rc-list li').allTextContents();
  check(codes.length === 10 && codes.every((c) => /^[a-z0-9]{5}-[a-z0-9]{5}$/.test(c)), `10 codes (${codes})`);
  await page.locator('#recovery-left', { hasText: '10' }).waitFor();
});

await step('totp revoked', async () => {
  page.once('dialog', (d) => d.accept());
  await page.click('#factor-rows tr[data-type="totp"] button');
  await visible('#status');
  check((await text('#status')).includes('已撤銷'), 'revoked message');
  await page.locator('#factor-rows tr[data-type="totp"]').waitFor({ state: 'detached' });
  await shot('07-account-factors');
});

await step('language switch', async () => {
  await page.selectOption('#lang', 'en');
  check(await page.getAttribute('html', 'lang') === 'en', 'lang="en"');
  check((await text('h1')) === 'Account security', 'English heading');
  check((await text('#s-kinds')).includes('password (knowledge)'), 'dynamic text translated');
  check((await page.locator('#factor-rows tr[data-type="webauthn"] td').first().textContent()) === 'Passkey',
    'table translated');
  await page.reload();
  await page.locator('body[data-ready="true"]').waitFor();
  check((await text('h1')) === 'Account security', 'choice remembered');
  await shot('08-account-en');
});

await step('logout', async () => {
  await logout();
  check((await text('h1')) === 'Sign in to e-trading', 'login page in English');
  await page.selectOption('#lang', 'zh-TW');
  check((await text('h1')) === '登入電子交易', 'back to Chinese');
  check(await page.getAttribute('html', 'lang') === 'zh-TW', 'lang="zh-TW"');
});

await step('password+passkey (UV)', async () => {
  await signInWithPassword();
  const choices = await factorChoices();
  check(choices.includes('webauthn') && choices.includes('recovery'), `passkey offered (${choices})`);
  await page.click('#factor-choices button[data-factor="webauthn"]');
  await page.click('#webauthn-go');
  await accountReady();
  await expectKinds(['knowledge', 'possession', 'inherence']);
  check((await text('#s-kinds')).includes('生物特徵'), 'inherence shown');
  await logout();
});

await step('passkey alone (UV)', async () => {
  await page.goto(`${BASE}/login.html`);
  await page.click('#passkey-first');  // no login typed yet: asks for it
  check((await text('#msg')).includes('請先輸入帳號'), 'asks for the login');
  await page.fill('#login', LOGIN);
  await page.click('#passkey-first');
  await accountReady();
  await expectKinds(['possession', 'inherence']);
  await logout();
});

await step('passkey with failed user verification is refused', async () => {
  await useAuthenticator({ hasUserVerification: true, isUserVerified: false });
  await page.goto(`${BASE}/login.html`);
  await page.fill('#login', LOGIN);
  await page.click('#passkey-first');
  await visible('#msg');
  check((await text('#msg')).includes('通行金鑰'), `passkey error shown (${await text('#msg')})`);
  check(page.url().endsWith('/login.html'), 'still on the sign-in page');
});

await step('passkey alone (no UV) is not enough', async () => {
  // An authenticator that cannot verify the user: the assertion has UV = 0.
  await useAuthenticator({ hasUserVerification: false, isUserVerified: false });
  await page.goto(`${BASE}/login.html`);
  await page.fill('#login', LOGIN);
  await page.click('#passkey-first');
  await visible('#step-factor');
  await visible('#factor-note');
  const progress = await text('#factor-progress');
  check(progress.includes('裝置（持有）') && !progress.includes('生物特徵'), `possession only (${progress})`);
  // Nothing offered can add a kind (all possession): only the password can.
  const choices = await factorChoices();
  check(choices.length === 0, `no useless choices (${choices})`);
  check((await text('#factor-note')).includes('重新開始'), 'points to the password');
  const s = await sessionInfo();
  check(s.status === 401, 'no session');
  await shot('09-passkey-without-uv');
});

await step('password+passkey (no UV)', async () => {
  await page.click('#restart');
  await visible('#step-password');
  await page.fill('#login', LOGIN);
  await page.fill('#password', password);
  await page.click('#password-submit');
  await visible('#step-factor');
  await page.click('#factor-choices button[data-factor="webauthn"]');
  await page.click('#webauthn-go');
  await accountReady();
  await expectKinds(['knowledge', 'possession']);
  const uv = await page.locator('#factor-rows tr[data-type="webauthn"] td').nth(4).textContent();
  check(uv !== '—', 'last use recorded');
});

await step('change password', async () => {
  const next = `Nw9!${crypto.randomBytes(5).toString('hex')}#Qx`;
  await page.fill('#pw-current', password);
  await page.fill('#pw-new', next);
  await page.fill('#pw-repeat', `${next}x`);
  await page.click('#pw-submit');
  check((await text('#msg')) === '兩次輸入的新密碼不一致。', 'mismatch caught on the page');
  await page.fill('#pw-current', 'not-the-password-1!');
  await page.fill('#pw-new', next);
  await page.fill('#pw-repeat', next);
  await page.click('#pw-submit');
  await visible('#msg');
  await page.locator('#msg', { hasText: 'TG-PWD-003' }).waitFor();
  await page.fill('#pw-current', password);
  await page.fill('#pw-new', next);
  await page.fill('#pw-repeat', next);
  await page.click('#pw-submit');
  await page.locator('#status', { hasText: '密碼已變更' }).waitFor();
  password = next;
  await logout();
  await signInWithPassword();          // the new password is accepted
});

await step('no CSP violations or script errors', async () => {
  check(problems.length === 0, problems.join('\n'));
});

await browser.close();
process.exit(failed ? 1 : 0);

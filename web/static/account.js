// The account page: the current sign-in, the verification methods with
// revocation, adding an authenticator app or a passkey, recovery codes,
// the password.  Binding and revoking need a step-up (AUTH-06): when an
// action answers TG-AUTH-004 the step-up dialog asks for a factor not used
// at sign-in, then the action is tried once more.
import {
  api, ApiError, busy, clearMsg, fmtKinds, fmtTime, initLang, passkeyCreate,
  passkeyGet, setText, showError, showMsg, t,
} from './common.js';

const $ = (id) => document.getElementById(id);

let session = null;
let factors = { factors: [], recovery_codes_left: 0 };

class Cancelled extends Error {}

function toBase64(bytes) {
  let bin = '';
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
  return btoa(bin);
}

// Messages sit at the top of the page: bring them into view.
function reveal(el) {
  el.scrollIntoView({ block: 'nearest' });
}

function say(key, vars) {
  clearMsg($('msg'));
  showMsg($('status'), key, vars, 'success');
  reveal($('status'));
}

// Run an action from el (a form or button): busy while it runs, errors shown.
function act(el, fn) {
  clearMsg($('msg'));
  clearMsg($('status'));
  return busy(el, async () => {
    try {
      await fn();
    } catch (err) {
      if (err instanceof Cancelled) return;
      if (err instanceof ApiError && err.code === 'TG-AUTH-002') {
        window.location.replace('/login.html');
        return;
      }
      showError($('msg'), err);
      reveal($('msg'));
    }
  });
}

// --- the session

function renderSession() {
  if (!session) return;
  $('s-login').textContent = session.account.login;
  $('pw-username').value = session.account.login;
  $('s-kinds').textContent = fmtKinds(session.factor_kinds);
  $('s-auth').textContent = fmtTime(session.auth_time);
  $('s-expires').textContent = fmtTime(session.expires_at);
  $('s-pw-old').hidden = !session.password_change_recommended;
}

async function loadSession() {
  try {
    session = await api('GET', '/v1/session');
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      window.location.replace('/login.html');
      return false;
    }
    throw err;
  }
  renderSession();
  return true;
}

// --- the factors

function cell(row, text) {
  const td = document.createElement('td');
  td.textContent = text;
  row.append(td);
  return td;
}

function renderFactors() {
  const body = $('factor-rows');
  body.replaceChildren();
  for (const f of factors.factors) {
    const tr = document.createElement('tr');
    tr.dataset.id = String(f.id);
    tr.dataset.type = f.type;
    cell(tr, t(`factor.${f.type}`));
    cell(tr, f.name);
    cell(tr, t(f.active ? 'acct.active' : 'acct.pending'));
    cell(tr, fmtTime(f.created_at));
    cell(tr, fmtTime(f.last_used_at));
    cell(tr, f.type === 'webauthn' ? t(f.user_verification ? 'acct.yes' : 'acct.no') : t('acct.never'));
    const td = cell(tr, '');
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'secondary small danger';
    b.textContent = t('acct.revoke');
    b.setAttribute('aria-label', t('acct.revoke_label', { name: f.name }));
    b.addEventListener('click', () => revoke(f, b));
    td.append(b);
    body.append(tr);
  }
  $('factors-none').hidden = factors.factors.length > 0;
  $('factors').hidden = factors.factors.length === 0;
  setText($('recovery-left'), 'acct.recovery_left', { n: factors.recovery_codes_left });
}

async function loadFactors() {
  factors = await api('GET', '/v1/account/factors');
  renderFactors();
}

function revoke(f, button) {
  if (!window.confirm(t('acct.revoke_confirm', { name: f.name }))) return;
  act(button, async () => {
    await withStepUp(() => api('DELETE', `/v1/account/factors/${encodeURIComponent(f.id)}`));
    await loadFactors();
    say('acct.revoked', { name: f.name });
  });
}

// --- step-up

const su = { factor: '', resolve: null };

function suChoices() {
  const active = (type) => factors.factors.some((f) => f.type === type && f.active);
  const list = ['email', 'sms'];
  if (active('totp')) list.push('totp');
  if (active('webauthn')) list.unshift('webauthn');
  if (factors.recovery_codes_left > 0) list.push('recovery');
  return list;
}

function suSelect(f) {
  su.factor = f;
  clearMsg($('su-msg'));
  for (const b of $('su-choices').querySelectorAll('button')) {
    b.setAttribute('aria-pressed', String(b.dataset.factor === f));
  }
  $('su-panel-webauthn').hidden = f !== 'webauthn';
  $('su-panel-code').hidden = f === 'webauthn';
  if (f === 'webauthn') {
    $('su-webauthn-go').focus();
    return;
  }
  const code = $('su-code');
  code.value = '';
  code.inputMode = f === 'recovery' ? 'text' : 'numeric';
  setText($('su-code-label'), f === 'recovery' ? 'code.label_recovery'
    : f === 'totp' ? 'code.label_totp' : 'code.label');
  const sends = f === 'sms' || f === 'email';
  $('su-send-row').hidden = !sends;
  setText($('su-code-send'), 'code.send');
  clearMsg($('su-code-sent'));
  (sends ? $('su-code-send') : code).focus();
}

function suFinish(ok) {
  const resolve = su.resolve;
  su.resolve = null;
  if ($('stepup').open) $('stepup').close();
  if (resolve) resolve(ok);
}

// Ask for a step-up; resolves true once verified, false if cancelled.
function stepUp() {
  const list = $('su-choices');
  list.replaceChildren();
  for (const f of suChoices()) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'choice';
    b.dataset.factor = f;
    b.setAttribute('aria-pressed', 'false');
    setText(b, `factor.${f}`);
    b.addEventListener('click', () => suSelect(f));
    list.append(b);
  }
  su.factor = '';
  $('su-panel-webauthn').hidden = true;
  $('su-panel-code').hidden = true;
  clearMsg($('su-msg'));
  return new Promise((resolve) => {
    su.resolve = resolve;
    $('stepup').showModal();
    const first = list.querySelector('button');
    if (first) first.focus();
  });
}

async function withStepUp(fn) {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof ApiError) || err.code !== 'TG-AUTH-004') throw err;
  }
  if (!(await stepUp())) throw new Cancelled();
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ApiError && err.code === 'TG-AUTH-004') {
      showMsg($('msg'), 'su.other');
      reveal($('msg'));
      throw new Cancelled();
    }
    throw err;
  }
}

function suVerified() {
  suFinish(true);
}

// A factor used at login cannot step up (AUTH-06): say so, let another be chosen.
function suError(err) {
  if (err instanceof ApiError && err.code === 'TG-AUTH-004') showMsg($('su-msg'), 'su.other');
  else showError($('su-msg'), err);
}

function initStepUp() {
  const dlg = $('stepup');
  dlg.addEventListener('close', () => {
    if (su.resolve) suFinish(false);
  });
  $('su-cancel').addEventListener('click', () => suFinish(false));

  $('su-code-send').addEventListener('click', () => {
    clearMsg($('su-msg'));
    busy($('su-panel-code'), async () => {
      try {
        const res = await api('POST', '/v1/session/step-up/send-code', { channel: su.factor });
        showMsg($('su-code-sent'), 'code.sent', { to: res.sent_to, time: fmtTime(res.expires_at) }, 'info');
        setText($('su-code-send'), 'code.resend');
        $('su-code').focus();
      } catch (err) {
        showError($('su-msg'), err);
      }
    });
  });

  $('su-panel-code').addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearMsg($('su-msg'));
    const code = $('su-code').value.replace(/\s+/g, '');
    if (!code) {
      $('su-code').focus();
      return;
    }
    busy($('su-panel-code'), async () => {
      try {
        await api('POST', '/v1/session/step-up', { factor: su.factor, code });
        $('su-code').value = '';
        suVerified();
      } catch (err) {
        $('su-code').value = '';
        suError(err);
      }
    });
  });

  $('su-webauthn-go').addEventListener('click', () => {
    clearMsg($('su-msg'));
    busy($('su-panel-webauthn'), async () => {
      try {
        const opts = await api('POST', '/v1/session/step-up/challenge', { factor: 'webauthn' });
        const credential = await passkeyGet(opts);
        await api('POST', '/v1/session/step-up', { factor: 'webauthn', credential });
        suVerified();
      } catch (err) {
        suError(err);
      }
    });
  });
}

// --- the actions

function initActions() {
  $('logout').addEventListener('click', () => {
    busy($('logout'), async () => {
      try {
        await api('DELETE', '/v1/session');
      } catch (err) {
        // Signed out either way.
      }
      window.location.replace('/login.html');
    });
  });

  let pendingTotp = 0;
  $('totp-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const name = $('totp-name').value.trim() || t('totp.name_default');
    act($('totp-form'), async () => {
      const res = await withStepUp(() => api('POST', '/v1/account/totp', { name }));
      pendingTotp = res.factor_id;
      const svg = new TextEncoder().encode(res.qr_svg);
      $('totp-qr').src = `data:image/svg+xml;base64,${toBase64(svg)}`;
      $('totp-secret').textContent = res.secret;
      $('totp-enrol').hidden = false;
      $('totp-code').value = '';
      $('totp-code').focus();
      await loadFactors();
    });
  });

  $('totp-confirm-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const code = $('totp-code').value.replace(/\s+/g, '');
    act($('totp-confirm-form'), async () => {
      await api('POST', `/v1/account/totp/${encodeURIComponent(pendingTotp)}/confirm`, { code });
      $('totp-enrol').hidden = true;
      $('totp-qr').removeAttribute('src');
      $('totp-secret').textContent = '';
      $('totp-name').value = '';
      pendingTotp = 0;
      await loadFactors();
      say('totp.done');
    });
  });

  $('pk-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const name = $('pk-name').value.trim() || t('pk.name_default');
    act($('pk-form'), async () => {
      const opts = await withStepUp(() => api('POST', '/v1/account/webauthn/options'));
      const credential = await passkeyCreate(opts);
      await api('POST', '/v1/account/webauthn', { name, credential });
      $('pk-name').value = '';
      await loadFactors();
      say('pk.done');
    });
  });

  $('rc-generate').addEventListener('click', () => {
    act($('rc-generate'), async () => {
      const res = await withStepUp(() => api('POST', '/v1/account/recovery-codes'));
      const list = $('rc-list');
      list.replaceChildren();
      for (const c of res.codes) {
        const li = document.createElement('li');
        li.textContent = c;
        list.append(li);
      }
      $('rc-out').hidden = false;
      await loadFactors();
    });
  });

  $('pw-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const cur = $('pw-current').value;
    const nw = $('pw-new').value;
    if (nw !== $('pw-repeat').value) {
      clearMsg($('status'));
      showMsg($('msg'), 'pw.mismatch');
      $('pw-repeat').focus();
      return;
    }
    act($('pw-form'), async () => {
      try {
        await api('POST', '/v1/account/password', { current_password: cur, new_password: nw });
      } finally {
        for (const id of ['pw-current', 'pw-new', 'pw-repeat']) $(id).value = '';
      }
      say('pw.done');
    });
  });
}

async function init() {
  initLang();
  initStepUp();
  initActions();
  document.addEventListener('tg:lang', () => {
    renderSession();
    renderFactors();
  });
  try {
    if (!(await loadSession())) return;
    await loadFactors();
    document.body.dataset.ready = 'true';
  } catch (err) {
    showError($('msg'), err);
  }
}

init();

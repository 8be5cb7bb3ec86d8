// The sign-in page: password (or passkey first), then further factors
// until the account's policy is met (AUTH-01): passkey, authenticator app,
// SMS or email code, recovery code.
import {
  api, ApiError, busy, clearMsg, fmtKinds, fmtTime, initLang, passkeyGet,
  setText, showError, showMsg,
} from './common.js';

const SUPPORTED = ['webauthn', 'totp', 'sms', 'email', 'recovery'];
// The kinds each factor can prove at best (docs/api.md, AUTH-01).
const PROVES = { webauthn: ['possession', 'inherence'] };
const $ = (id) => document.getElementById(id);

const state = { flow: '', available: [], kinds: [], factor: '', passkeyFirst: false, used: [] };

function goAccount() {
  showMsg($('msg'), 'login.done', undefined, 'success');
  window.location.assign('/account.html');
}

function restart() {
  state.flow = '';
  state.available = [];
  state.kinds = [];
  state.factor = '';
  state.passkeyFirst = false;
  state.used = [];
  $('step-factor').hidden = true;
  $('step-password').hidden = false;
  $('password').value = '';
  $('code').value = '';
  $('password').focus();
}

function renderFactors() {
  const list = $('factor-choices');
  list.replaceChildren();
  if (state.kinds.length > 0) setText($('factor-progress'), 'login.progress', { kinds: fmtKinds(state.kinds) });
  else setText($('factor-progress'), 'login.progress_none');
  // Offer what can still add a kind: a second factor of a kind already
  // verified, or the same factor again, proves nothing new.
  const usable = state.available.filter((f) => SUPPORTED.includes(f) &&
    !state.used.includes(f) &&
    (PROVES[f] || ['possession']).some((k) => !state.kinds.includes(k)));
  for (const f of usable) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'choice';
    b.dataset.factor = f;
    b.setAttribute('aria-pressed', 'false');
    setText(b, `factor.${f}`);
    b.addEventListener('click', () => selectFactor(f));
    list.append(b);
  }
  list.closest('fieldset').hidden = usable.length === 0;
  $('panel-webauthn').hidden = true;
  $('panel-code').hidden = true;
  state.factor = '';
  return usable.length;
}

function selectFactor(f) {
  state.factor = f;
  clearMsg($('msg'));
  for (const b of $('factor-choices').querySelectorAll('button')) {
    b.setAttribute('aria-pressed', String(b.dataset.factor === f));
  }
  $('panel-webauthn').hidden = f !== 'webauthn';
  $('panel-code').hidden = f === 'webauthn';
  if (f === 'webauthn') {
    $('webauthn-go').focus();
    return;
  }
  const code = $('code');
  code.value = '';
  const isRecovery = f === 'recovery';
  code.inputMode = isRecovery ? 'text' : 'numeric';
  code.autocomplete = isRecovery ? 'off' : 'one-time-code';
  setText($('code-label'), isRecovery ? 'code.label_recovery'
    : f === 'totp' ? 'code.label_totp' : 'code.label');
  const sends = f === 'sms' || f === 'email';
  $('send-row').hidden = !sends;
  setText($('code-send'), 'code.send');
  clearMsg($('code-sent'));
  (sends ? $('code-send') : code).focus();
}

// A login or verify answer: a session, or further factors to offer.
function handleResult(res) {
  if (res && res.status === 'authenticated') {
    goAccount();
    return;
  }
  if (!res || res.status !== 'factor_required') {
    showMsg($('msg'), 'err.generic');
    return;
  }
  state.flow = res.flow;
  state.available = res.available_factors || [];
  state.kinds = res.verified_kinds || [];
  $('step-password').hidden = true;
  $('step-factor').hidden = false;
  const n = renderFactors();
  const note = $('factor-note');
  if (state.passkeyFirst && state.kinds.length === 1 && state.kinds[0] === 'possession') {
    // A passkey without user verification proves possession only, and
    // every other factor offered is possession too: the password is missing.
    showMsg(note, 'login.passkey_only_one', undefined, 'info');
  } else if (n === 0 && !state.kinds.includes('knowledge')) {
    showMsg(note, 'login.use_password', undefined, 'info');
  } else {
    clearMsg(note);
  }
  if (n === 0 && state.kinds.includes('knowledge')) showMsg($('msg'), 'login.no_factor');
  ($('factor-choices').querySelector('button') || $('restart')).focus();
}

function failed(err) {
  showError($('msg'), err);
  // An expired or foreign flow cannot continue.
  if (err instanceof ApiError && err.code === 'TG-AUTH-003') restart();
}

async function usePasskey() {
  const opts = await api('POST', '/v1/auth/flow/challenge', { flow: state.flow, factor: 'webauthn' });
  const credential = await passkeyGet(opts);
  const res = await api('POST', '/v1/auth/flow/verify', { flow: state.flow, factor: 'webauthn', credential });
  state.used.push('webauthn');
  return res;
}

function init() {
  initLang();

  $('password-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearMsg($('msg'));
    const login = $('login').value.trim();
    const password = $('password').value;
    if (!login || !password) {
      ($('login').value.trim() ? $('password') : $('login')).focus();
      return;
    }
    busy($('password-form'), async () => {
      state.passkeyFirst = false;
      state.used = [];
      try {
        const res = await api('POST', '/v1/auth/login', { login, password });
        $('password').value = '';
        handleResult(res);
      } catch (err) {
        $('password').value = '';
        failed(err);
      }
    });
  });

  $('passkey-first').addEventListener('click', () => {
    clearMsg($('msg'));
    const login = $('login').value.trim();
    if (!login) {
      showMsg($('msg'), 'login.need_login');
      $('login').focus();
      return;
    }
    busy($('passkey-first'), async () => {
      try {
        const start = await api('POST', '/v1/auth/start', { login, purpose: 'login' });
        state.flow = start.flow;
        state.passkeyFirst = true;
        state.used = [];
        handleResult(await usePasskey());
      } catch (err) {
        state.flow = '';
        failed(err);
      }
    });
  });

  $('webauthn-go').addEventListener('click', () => {
    clearMsg($('msg'));
    busy($('panel-webauthn'), async () => {
      try {
        handleResult(await usePasskey());
      } catch (err) {
        failed(err);
      }
    });
  });

  $('code-send').addEventListener('click', () => {
    clearMsg($('msg'));
    busy($('panel-code'), async () => {
      try {
        const res = await api('POST', '/v1/auth/flow/send-code', { flow: state.flow, channel: state.factor });
        showMsg($('code-sent'), 'code.sent', { to: res.sent_to, time: fmtTime(res.expires_at) }, 'info');
        setText($('code-send'), 'code.resend');
        $('code').focus();
      } catch (err) {
        failed(err);
      }
    });
  });

  $('panel-code').addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearMsg($('msg'));
    const code = $('code').value.replace(/\s+/g, '');
    if (!code) {
      $('code').focus();
      return;
    }
    busy($('panel-code'), async () => {
      try {
        const res = await api('POST', '/v1/auth/flow/verify', { flow: state.flow, factor: state.factor, code });
        state.used.push(state.factor);
        $('code').value = '';
        handleResult(res);
      } catch (err) {
        $('code').value = '';
        failed(err);
      }
    });
  });

  $('restart').addEventListener('click', () => {
    clearMsg($('msg'));
    restart();
  });

  $('login').focus();
}

init();

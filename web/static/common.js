// TradeGuard pages: the strings in both languages, the language switch,
// calls to the /v1 API (cookie session + CSRF header), short error
// messages from problem codes (OPS-04) and the base64url conversions
// WebAuthn needs.  No framework, nothing from other origins.

const STRINGS = {
  'zh-TW': {
    'app.name': 'TradeGuard',
    'lang.label': '語言',
    'page.login': '登入 — TradeGuard',
    'page.account': '帳戶安全設定 — TradeGuard',

    'login.heading': '登入電子交易',
    'login.intro': '請輸入您的帳號與密碼，或使用已註冊的通行金鑰。',
    'login.login': '帳號',
    'login.password': '密碼',
    'login.submit': '登入',
    'login.or': '或',
    'login.passkey': '使用通行金鑰登入',
    'login.need_login': '請先輸入帳號。',
    'login.factor_heading': '第二道驗證',
    'login.factor_intro': '為保護您的帳戶，請再完成一種驗證方式。',
    'login.progress': '已完成的驗證：{kinds}',
    'login.progress_none': '尚未完成任何驗證。',
    'login.choose': '選擇驗證方式',
    'login.no_factor': '目前沒有可用的驗證方式，請聯絡客服。',
    'login.passkey_only_one': '此通行金鑰未經指紋、臉部或 PIN 驗證，只算一種驗證方式。請按「重新開始」，以密碼加上通行金鑰登入。',
    'login.use_password': '請按「重新開始」，以密碼加上通行金鑰登入。',
    'login.restart': '重新開始',
    'login.done': '登入成功，正在前往帳戶頁…',
    'login.webauthn_desc': '請依瀏覽器或裝置的指示，以指紋、臉部或 PIN 解鎖通行金鑰。',

    'kind.knowledge': '密碼（知識）',
    'kind.possession': '裝置（持有）',
    'kind.inherence': '生物特徵',
    'kind.sep': '、',

    'factor.webauthn': '通行金鑰',
    'factor.device': '綁定裝置',
    'factor.totp': '驗證器 App',
    'factor.sms': '簡訊驗證碼',
    'factor.email': '電子郵件驗證碼',
    'factor.recovery': '救援碼',
    'factor.use_passkey': '使用通行金鑰',

    'code.label': '驗證碼',
    'code.label_totp': '驗證器 App 顯示的 6 位數驗證碼',
    'code.label_recovery': '救援碼',
    'code.send': '傳送驗證碼',
    'code.resend': '重新傳送',
    'code.sent': '驗證碼已傳送至 {to}，請於 {time} 前輸入。',
    'code.verify': '驗證',

    'acct.heading': '帳戶安全設定',
    'acct.session': '目前登入',
    'acct.login': '帳號',
    'acct.kinds': '本次登入的驗證',
    'acct.auth_time': '登入時間',
    'acct.expires': '登入有效至',
    'acct.pw_old': '您的密碼已使用超過三個月，建議立即變更。',
    'acct.logout': '登出',
    'acct.factors': '驗證方式',
    'acct.col_type': '類型',
    'acct.col_name': '名稱',
    'acct.col_status': '狀態',
    'acct.col_created': '建立時間',
    'acct.col_used': '上次使用',
    'acct.col_uv': '生物辨識／PIN',
    'acct.col_action': '操作',
    'acct.active': '啟用中',
    'acct.pending': '待確認',
    'acct.yes': '有',
    'acct.no': '無',
    'acct.never': '—',
    'acct.revoke': '撤銷',
    'acct.revoke_label': '撤銷「{name}」',
    'acct.revoke_confirm': '確定要撤銷「{name}」嗎？',
    'acct.revoked': '已撤銷「{name}」。',
    'acct.none': '尚未設定驗證器 App、通行金鑰或綁定裝置。',
    'acct.recovery_left': '剩餘救援碼：{n} 組',

    'totp.heading': '驗證器 App（TOTP）',
    'totp.desc': '以手機上的驗證器 App 產生每 30 秒更新的驗證碼。',
    'totp.name': '名稱',
    'totp.name_default': '我的驗證器',
    'totp.add': '新增驗證器',
    'totp.scan': '請用驗證器 App 掃描 QR 碼，或手動輸入下列金鑰：',
    'totp.qr_alt': '驗證器設定用 QR 碼',
    'totp.secret': '金鑰：',
    'totp.code': '輸入 App 顯示的 6 位數驗證碼',
    'totp.confirm': '確認並啟用',
    'totp.done': '驗證器已啟用。',

    'pk.heading': '通行金鑰',
    'pk.desc': '儲存在您裝置上、以指紋、臉部或 PIN 解鎖的登入金鑰；私鑰不會離開您的裝置。',
    'pk.name': '名稱',
    'pk.name_default': '我的通行金鑰',
    'pk.add': '註冊通行金鑰',
    'pk.done': '通行金鑰已註冊。',

    'rc.heading': '救援碼',
    'rc.desc': '其他驗證方式都無法使用時備用，每組只能使用一次。',
    'rc.generate': '產生新的救援碼',
    'rc.shown': '請立即妥善保存以下救援碼，它們只會顯示這一次；先前的救援碼已失效。',

    'pw.heading': '變更密碼',
    'pw.current': '目前密碼',
    'pw.new': '新密碼',
    'pw.repeat': '再次輸入新密碼',
    'pw.hint': '請混用英文字母、數字與符號，且不可包含帳號或常見密碼。',
    'pw.submit': '變更密碼',
    'pw.mismatch': '兩次輸入的新密碼不一致。',
    'pw.done': '密碼已變更，其他裝置上的登入均已登出。',

    'su.heading': '請再次驗證身分',
    'su.intro': '此操作需要以登入時未使用的方式再驗證一次。',
    'su.cancel': '取消',
    'su.done': '驗證完成。',
    'su.other': '請改用登入時未使用的驗證方式。',

    'err.generic': '發生錯誤。',
    'err.code': '{msg}（錯誤代碼 {code}）',
    'err.network': '無法連線到伺服器，請稍後再試。',
    'err.webauthn': '通行金鑰操作已取消或未完成。',
    'err.no_webauthn': '此瀏覽器不支援通行金鑰。',
    'err.TG-AUTH-001': '登入失敗，請確認輸入的資料。',
    'err.TG-AUTH-002': '登入已逾時或已登出，請重新登入。',
    'err.TG-AUTH-003': '此次登入已逾時，請重新開始。',
    'err.TG-AUTH-004': '此操作需要再次驗證身分。',
    'err.TG-FAC-001': '此驗證方式目前無法使用。',
    'err.TG-FAC-002': '驗證碼請求次數過多，請稍後再試。',
    'err.TG-FAC-003': '驗證失敗。',
    'err.TG-PWD-001': '新密碼不符合密碼規則。',
    'err.TG-PWD-002': '新密碼不可與先前使用過的密碼相同。',
    'err.TG-PWD-003': '目前密碼錯誤。',
    'err.TG-SES-001': '同時登入的數量已達上限。',
    'err.TG-SRV-001': '系統忙碌中，請稍後再試。',
    'err.TG-SRV-002': '服務暫時無法使用，請稍後再試。',
    'err.TG-REQ-006': '此項目已存在。',
  },
  en: {
    'app.name': 'TradeGuard',
    'lang.label': 'Language',
    'page.login': 'Sign in — TradeGuard',
    'page.account': 'Account security — TradeGuard',

    'login.heading': 'Sign in to e-trading',
    'login.intro': 'Enter your account ID and password, or use a registered passkey.',
    'login.login': 'Account ID',
    'login.password': 'Password',
    'login.submit': 'Sign in',
    'login.or': 'or',
    'login.passkey': 'Sign in with a passkey',
    'login.need_login': 'Enter your account ID first.',
    'login.factor_heading': 'Second verification',
    'login.factor_intro': 'To protect your account, complete one more verification.',
    'login.progress': 'Verified so far: {kinds}',
    'login.progress_none': 'Nothing verified yet.',
    'login.choose': 'Choose a method',
    'login.no_factor': 'No verification method is available. Please call our help desk.',
    'login.passkey_only_one': 'This passkey was not unlocked with a fingerprint, face or PIN, so it counts as one method only. Choose “Start over” and sign in with your password and the passkey.',
    'login.use_password': 'Choose “Start over” and sign in with your password and the passkey.',
    'login.restart': 'Start over',
    'login.done': 'Signed in. Opening your account…',
    'login.webauthn_desc': 'Follow your browser or device: unlock the passkey with your fingerprint, face or PIN.',

    'kind.knowledge': 'password (knowledge)',
    'kind.possession': 'device (possession)',
    'kind.inherence': 'biometric (inherence)',
    'kind.sep': ', ',

    'factor.webauthn': 'Passkey',
    'factor.device': 'Bound device',
    'factor.totp': 'Authenticator app',
    'factor.sms': 'SMS code',
    'factor.email': 'Email code',
    'factor.recovery': 'Recovery code',
    'factor.use_passkey': 'Use passkey',

    'code.label': 'Verification code',
    'code.label_totp': '6-digit code from your authenticator app',
    'code.label_recovery': 'Recovery code',
    'code.send': 'Send code',
    'code.resend': 'Send again',
    'code.sent': 'Code sent to {to}; enter it before {time}.',
    'code.verify': 'Verify',

    'acct.heading': 'Account security',
    'acct.session': 'Current sign-in',
    'acct.login': 'Account ID',
    'acct.kinds': 'Verified at sign-in',
    'acct.auth_time': 'Signed in at',
    'acct.expires': 'Valid until',
    'acct.pw_old': 'Your password is more than three months old. Please change it.',
    'acct.logout': 'Sign out',
    'acct.factors': 'Verification methods',
    'acct.col_type': 'Type',
    'acct.col_name': 'Name',
    'acct.col_status': 'Status',
    'acct.col_created': 'Added',
    'acct.col_used': 'Last used',
    'acct.col_uv': 'Biometric/PIN',
    'acct.col_action': 'Action',
    'acct.active': 'Active',
    'acct.pending': 'Pending',
    'acct.yes': 'Yes',
    'acct.no': 'No',
    'acct.never': '—',
    'acct.revoke': 'Revoke',
    'acct.revoke_label': 'Revoke “{name}”',
    'acct.revoke_confirm': 'Revoke “{name}”?',
    'acct.revoked': '“{name}” was revoked.',
    'acct.none': 'No authenticator app, passkey or bound device yet.',
    'acct.recovery_left': 'Recovery codes left: {n}',

    'totp.heading': 'Authenticator app (TOTP)',
    'totp.desc': 'An app on your phone shows a new code every 30 seconds.',
    'totp.name': 'Name',
    'totp.name_default': 'My authenticator',
    'totp.add': 'Add authenticator',
    'totp.scan': 'Scan the QR code with your authenticator app, or type in this key:',
    'totp.qr_alt': 'QR code for setting up the authenticator',
    'totp.secret': 'Key: ',
    'totp.code': 'Enter the 6-digit code the app shows',
    'totp.confirm': 'Confirm and enable',
    'totp.done': 'Authenticator enabled.',

    'pk.heading': 'Passkeys',
    'pk.desc': 'A sign-in key kept on your device and unlocked with your fingerprint, face or PIN; the private key never leaves the device.',
    'pk.name': 'Name',
    'pk.name_default': 'My passkey',
    'pk.add': 'Register a passkey',
    'pk.done': 'Passkey registered.',

    'rc.heading': 'Recovery codes',
    'rc.desc': 'For when none of your other methods work; each code works once.',
    'rc.generate': 'Generate new recovery codes',
    'rc.shown': 'Store these codes safely now: they are shown only once, and the earlier codes no longer work.',

    'pw.heading': 'Change password',
    'pw.current': 'Current password',
    'pw.new': 'New password',
    'pw.repeat': 'Repeat the new password',
    'pw.hint': 'Mix letters, digits and symbols; do not use your account ID or a common password.',
    'pw.submit': 'Change password',
    'pw.mismatch': 'The new passwords do not match.',
    'pw.done': 'Password changed. Your sign-ins on other devices were ended.',

    'su.heading': 'Verify it is you',
    'su.intro': 'This action needs one more verification, with a method you did not use to sign in.',
    'su.cancel': 'Cancel',
    'su.done': 'Verified.',
    'su.other': 'Use a method you did not use to sign in.',

    'err.generic': 'Something went wrong.',
    'err.code': '{msg} (code {code})',
    'err.network': 'Cannot reach the server. Please try again later.',
    'err.webauthn': 'The passkey request was cancelled or did not finish.',
    'err.no_webauthn': 'This browser does not support passkeys.',
    'err.TG-AUTH-001': 'Sign-in failed. Please check what you entered.',
    'err.TG-AUTH-002': 'You are signed out or your sign-in has expired. Please sign in again.',
    'err.TG-AUTH-003': 'This sign-in has expired. Please start again.',
    'err.TG-AUTH-004': 'This action needs one more verification.',
    'err.TG-FAC-001': 'This method is not available right now.',
    'err.TG-FAC-002': 'Too many codes requested. Please try again later.',
    'err.TG-FAC-003': 'Verification failed.',
    'err.TG-PWD-001': 'The new password does not meet the password rules.',
    'err.TG-PWD-002': 'The new password must differ from your earlier ones.',
    'err.TG-PWD-003': 'The current password is wrong.',
    'err.TG-SES-001': 'Too many active sign-ins.',
    'err.TG-SRV-001': 'The system is busy. Please try again shortly.',
    'err.TG-SRV-002': 'The service is temporarily unavailable. Please try again later.',
    'err.TG-REQ-006': 'This already exists.',
  },
};

export const LANGS = ['zh-TW', 'en'];
const LANG_KEY = 'tg.lang';

function storedLang() {
  try {
    const l = window.localStorage.getItem(LANG_KEY);
    return LANGS.includes(l) ? l : LANGS[0];
  } catch (e) {
    return LANGS[0];
  }
}

let lang = storedLang();

export function currentLang() {
  return lang;
}

// The string for key in the current language, {name} replaced from vars.
export function t(key, vars) {
  const s = STRINGS[lang][key] ?? STRINGS[LANGS[0]][key] ?? key;
  return s.replace(/\{(\w+)\}/g, (m, k) => (vars && k in vars ? String(vars[k]) : m));
}

// Set el's text from a key; remembered so that a language switch re-renders it.
export function setText(el, key, vars) {
  delete el.dataset.i18nErr;
  el.dataset.i18n = key;
  if (vars) el.dataset.i18nVars = JSON.stringify(vars);
  else delete el.dataset.i18nVars;
  el.textContent = t(key, vars);
}

function applyLang() {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll('[data-i18n]')) {
    const vars = el.dataset.i18nVars ? JSON.parse(el.dataset.i18nVars) : undefined;
    el.textContent = t(el.dataset.i18n, vars);
  }
  for (const el of document.querySelectorAll('[data-i18n-err]')) el.textContent = errText(el.dataset.i18nErr);
  for (const el of document.querySelectorAll('[data-i18n-alt]')) el.alt = t(el.dataset.i18nAlt);
  for (const el of document.querySelectorAll('[data-i18n-placeholder]')) {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  }
  const sel = document.getElementById('lang');
  if (sel) sel.value = lang;
  document.dispatchEvent(new CustomEvent('tg:lang', { detail: lang }));
}

export function setLang(l) {
  if (!LANGS.includes(l)) return;
  lang = l;
  try {
    window.localStorage.setItem(LANG_KEY, l);
  } catch (e) {
    // Private mode: the choice lasts for this page only.
  }
  applyLang();
}

// Wire the language <select id="lang"> and translate the page.
export function initLang() {
  const sel = document.getElementById('lang');
  if (sel) sel.addEventListener('change', () => setLang(sel.value));
  applyLang();
}

// --- messages

// Show a message in el (a role="status" or role="alert" element).
export function showMsg(el, key, vars, kind = 'error') {
  el.hidden = false;
  el.className = `msg msg-${kind}`;
  setText(el, key, vars);
}

export function clearMsg(el) {
  el.hidden = true;
  el.textContent = '';
  delete el.dataset.i18n;
  delete el.dataset.i18nVars;
  delete el.dataset.i18nErr;
}

function errText(code) {
  const key = `err.${code}`;
  const msg = t(key in STRINGS[LANGS[0]] ? key : 'err.generic');
  return t('err.code', { msg, code });
}

// Show an error: a short message from the problem code, and the code (OPS-04).
export function showError(el, err) {
  if (err instanceof ApiError && err.code) {
    el.hidden = false;
    el.className = 'msg msg-error';
    delete el.dataset.i18n;
    delete el.dataset.i18nVars;
    el.dataset.i18nErr = err.code;
    el.textContent = errText(err.code);
  } else if (err instanceof ApiError) {
    showMsg(el, 'err.network');
  } else if (err && ['NotAllowedError', 'AbortError', 'InvalidStateError',
    'SecurityError', 'UnknownError'].includes(err.name)) {
    showMsg(el, 'err.webauthn');
  } else if (err && err.message === 'no-webauthn') {
    showMsg(el, 'err.no_webauthn');
  } else {
    showMsg(el, 'err.generic');
  }
}

// --- the API

export class ApiError extends Error {
  constructor(status, code) {
    super(code || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

function cookie(name) {
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return '';
}

// Call the API; resolves to the parsed JSON body (or null), rejects with an
// ApiError carrying the problem code.  The raw body is never shown.
export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') {
    const csrf = cookie('tg_csrf');
    if (csrf) headers['X-CSRF-Token'] = csrf;
  }
  let r;
  try {
    r = await fetch(path, {
      method,
      headers,
      body: body !== undefined ? JSON.stringify(body) : undefined,
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch (e) {
    throw new ApiError(0, '');
  }
  const type = r.headers.get('Content-Type') || '';
  let data = null;
  if (type.startsWith('application/json') || type.startsWith('application/problem+json')) {
    try {
      data = await r.json();
    } catch (e) {
      data = null;
    }
  }
  if (!r.ok) {
    const code = data && typeof data.code === 'string' && /^TG-[A-Z]+-\d{3}$/.test(data.code)
      ? data.code : '';
    throw new ApiError(r.status, code);
  }
  return data;
}

// --- formatting

export function fmtTime(iso) {
  if (!iso) return t('acct.never');
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return t('acct.never');
  return new Intl.DateTimeFormat(lang, {
    dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Taipei',
  }).format(d);
}

export function fmtKinds(kinds) {
  return (kinds || []).map((k) => t(`kind.${k}`)).join(t('kind.sep'));
}

// --- WebAuthn: base64url <-> bytes, and the JSON shapes of the API

export function b64urlToBytes(s) {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function bytesToB64url(buf) {
  const bytes = buf instanceof Uint8Array ? buf : new Uint8Array(buf);
  let bin = '';
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function requireWebAuthn() {
  if (!window.PublicKeyCredential || !navigator.credentials) throw new Error('no-webauthn');
}

// navigator.credentials.get with PublicKeyCredentialRequestOptions from the
// server; resolves to the credential JSON that /verify and /step-up take.
export async function passkeyGet(opts) {
  requireWebAuthn();
  const publicKey = {
    ...opts,
    challenge: b64urlToBytes(opts.challenge),
    allowCredentials: (opts.allowCredentials || []).map((c) => ({ ...c, id: b64urlToBytes(c.id) })),
  };
  const cred = await navigator.credentials.get({ publicKey });
  const r = cred.response;
  return {
    id: cred.id,
    rawId: bytesToB64url(cred.rawId),
    type: cred.type,
    response: {
      clientDataJSON: bytesToB64url(r.clientDataJSON),
      authenticatorData: bytesToB64url(r.authenticatorData),
      signature: bytesToB64url(r.signature),
      userHandle: r.userHandle ? bytesToB64url(r.userHandle) : null,
    },
  };
}

// navigator.credentials.create with PublicKeyCredentialCreationOptions.
export async function passkeyCreate(opts) {
  requireWebAuthn();
  const publicKey = {
    ...opts,
    challenge: b64urlToBytes(opts.challenge),
    user: { ...opts.user, id: b64urlToBytes(opts.user.id) },
    excludeCredentials: (opts.excludeCredentials || []).map((c) => ({ ...c, id: b64urlToBytes(c.id) })),
  };
  const cred = await navigator.credentials.create({ publicKey });
  const r = cred.response;
  return {
    id: cred.id,
    rawId: bytesToB64url(cred.rawId),
    type: cred.type,
    response: {
      clientDataJSON: bytesToB64url(r.clientDataJSON),
      attestationObject: bytesToB64url(r.attestationObject),
    },
  };
}

// Disable the buttons of a form (or one button) while fn runs.
export async function busy(el, fn) {
  const btns = el.tagName === 'BUTTON' ? [el] : [...el.querySelectorAll('button')];
  btns.forEach((b) => { b.disabled = true; });
  el.setAttribute('aria-busy', 'true');
  try {
    return await fn();
  } finally {
    btns.forEach((b) => { b.disabled = false; });
    el.removeAttribute('aria-busy');
  }
}

#!/usr/bin/python3
"""Generate the WebAuthn test vectors in tests/vectors/webauthn/.

An implementation independent of TradeGuard's C code plays the
authenticator and the browser: python-fido2 (Debian python3-fido2 0.9.1;
fido2.cbor, fido2.cose, fido2.ctap2) encodes CBOR, COSE keys,
authenticatorData and attestation objects, and python3-cryptography makes
the keys, signatures and the attestation certificates.  Every vector meant
to be accepted is first checked with python-fido2's own verifiers.

Run: /usr/bin/python3 tests/vectors/make_webauthn_vectors.py
(writes tests/vectors/webauthn/*.json next to this script; keys and
ECDSA signatures are random, so each run produces different files).

Vector format (hex for all binary fields):
  kind           "register" or "assert"
  rp_id          relying-party ID of the policy
  origins        comma-separated allowed origins of the policy
  require_uv     policy flag
  challenge      the expected challenge
  client_data    clientDataJSON bytes
  register:      attestation_object; auth_data (the authData inside it)
                 and att_sig (attStmt.sig, empty for "none") so tests can
                 find and alter them in place
  assert:        cose_key, alg, auth_data, sig
  expect         "ok" or the TG_ERR_* name the C library must return
  result         for "ok": what the library must report
"""

import datetime
import hashlib
import json
import os
import struct
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.x509.oid import NameOID, ObjectIdentifier

from fido2 import cbor
from fido2.attestation import NoneAttestation, PackedAttestation
from fido2.cose import ES256, PS256, RS256, CoseKey, EdDSA
from fido2.ctap2 import AttestationObject, AttestedCredentialData, AuthenticatorData

RP_ID = "login.tradeguard.example"
ORIGIN = "https://login.tradeguard.example"
ORIGINS = "https://login.tradeguard.example, https://app.tradeguard.example:8443"
AAGUID = bytes.fromhex("6a0d4f3e9b1c4e2a8d7f1b2c3d4e5f60")
OTHER_AAGUID = bytes.fromhex("00112233445566778899aabbccddeeff")
OID_AAGUID = ObjectIdentifier("1.3.6.1.4.1.45724.1.1.4")

UP, UV, BE, BS, AT, ED = 0x01, 0x04, 0x08, 0x10, 0x40, 0x80

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "webauthn")


def sha256(b):
    return hashlib.sha256(b).digest()


def b64url(b):
    import base64

    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def client_data(typ, challenge, origin=ORIGIN, cross_origin=False):
    # Member order and the extra member follow what Chromium sends.
    cd = {
        "type": typ,
        "challenge": b64url(challenge),
        "origin": origin,
        "crossOrigin": cross_origin,
        "other_keys_can_be_added_here": "do not compare clientDataJSON "
        "against a template. See https://goo.gl/yabPex",
    }
    return json.dumps(cd, separators=(",", ":")).encode()


# --- credentials -----------------------------------------------------------


class Cred:
    def __init__(self, alg):
        self.alg = alg
        self.cred_id = os.urandom(32)
        if alg == -7:
            self.priv = ec.generate_private_key(ec.SECP256R1())
            self.cose = ES256.from_cryptography_key(self.priv.public_key())
        elif alg == -257:
            self.priv = rsa.generate_private_key(65537, 2048)
            self.cose = RS256.from_cryptography_key(self.priv.public_key())
        elif alg == -8:
            self.priv = ed25519.Ed25519PrivateKey.generate()
            self.cose = EdDSA.from_cryptography_key(self.priv.public_key())
        elif alg == -35:  # ES384: not supported by TradeGuard
            self.priv = ec.generate_private_key(ec.SECP384R1())
            n = self.priv.public_key().public_numbers()
            self.cose = CoseKey(
                {1: 2, 3: -35, -1: 2, -2: n.x.to_bytes(48, "big"),
                 -3: n.y.to_bytes(48, "big")})
        elif alg == -37:  # PS256: not supported by TradeGuard
            self.priv = rsa.generate_private_key(65537, 2048)
            self.cose = PS256.from_cryptography_key(self.priv.public_key())
        else:
            raise ValueError(alg)

    def sign(self, msg):
        return sign_with(self.priv, self.alg, msg)

    def cose_bytes(self):
        return cbor.encode(dict(self.cose))


def sign_with(priv, alg, msg):
    if alg == -7:
        return priv.sign(msg, ec.ECDSA(hashes.SHA256()))
    if alg == -35:
        return priv.sign(msg, ec.ECDSA(hashes.SHA384()))
    if alg == -257:
        return priv.sign(msg, padding.PKCS1v15(), hashes.SHA256())
    if alg == -37:
        return priv.sign(msg, padding.PSS(padding.MGF1(hashes.SHA256()), 32),
                         hashes.SHA256())
    if alg == -8:
        return priv.sign(msg)
    raise ValueError(alg)


# --- attestation certificates ----------------------------------------------

NOW = datetime.datetime(2025, 1, 1)
LATER = datetime.datetime(2045, 1, 1)


def name(cn, ou="Authenticator Attestation", c="TW"):
    attrs = []
    if c is not None:
        attrs.append(x509.NameAttribute(NameOID.COUNTRY_NAME, c))
    attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME,
                                    "TradeGuard Test Authenticators"))
    if ou is not None:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


CA_KEY = ec.generate_private_key(ec.SECP256R1())
CA_NAME = x509.Name([
    x509.NameAttribute(NameOID.COUNTRY_NAME, "TW"),
    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "TradeGuard Test Authenticators"),
    x509.NameAttribute(NameOID.COMMON_NAME, "TradeGuard Test Attestation Root"),
])
CA_CERT = (
    x509.CertificateBuilder()
    .subject_name(CA_NAME).issuer_name(CA_NAME)
    .public_key(CA_KEY.public_key())
    .serial_number(1).not_valid_before(NOW).not_valid_after(LATER)
    .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
    .sign(CA_KEY, hashes.SHA256())
)


class Attester:
    """An attestation key and its certificate, optionally broken on purpose."""

    def __init__(self, alg, ou="Authenticator Attestation", ca=False, bc=True,
                 aaguid=AAGUID, aaguid_critical=False, country="TW",
                 unknown_critical=False):
        self.alg = alg
        if alg == -7:
            self.priv = ec.generate_private_key(ec.SECP256R1())
        elif alg == -257:
            self.priv = rsa.generate_private_key(65537, 2048)
        elif alg == -8:
            self.priv = ed25519.Ed25519PrivateKey.generate()
        b = (
            x509.CertificateBuilder()
            .subject_name(name("Test Attestation %d" % alg, ou, country))
            .issuer_name(CA_NAME)
            .public_key(self.priv.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOW).not_valid_after(LATER)
        )
        if bc:
            b = b.add_extension(x509.BasicConstraints(ca=ca, path_length=None),
                                critical=True)
        if aaguid is not None:
            # extnValue = DER OCTET STRING (04 10 || aaguid)
            b = b.add_extension(
                x509.UnrecognizedExtension(OID_AAGUID, b"\x04\x10" + aaguid),
                critical=aaguid_critical)
        if unknown_critical:
            b = b.add_extension(x509.UnrecognizedExtension(
                ObjectIdentifier("1.3.6.1.4.1.99999.1"), b"\x05\x00"),
                critical=True)
        self.cert = b.sign(CA_KEY, hashes.SHA256())

    def x5c(self):
        return [self.cert.public_bytes(serialization.Encoding.DER),
                CA_CERT.public_bytes(serialization.Encoding.DER)]

    def sign(self, msg):
        return sign_with(self.priv, self.alg, msg)


# --- building ceremonies ---------------------------------------------------


def reg_auth_data(cred, flags=UP | AT, count=0, ext=None, rp_id=RP_ID,
                  aaguid=AAGUID, cose=None, cred_id=None):
    acd = (aaguid + struct.pack(">H", len(cred_id or cred.cred_id))
           + (cred_id or cred.cred_id) + (cose or cred.cose_bytes()))
    ad = sha256(rp_id.encode()) + struct.pack(">BI", flags, count) + acd
    if ext is not None:
        ad += cbor.encode(ext)
    return ad


def att_object(fmt, ad, stmt):
    """The WebAuthn (string-keyed) attestation object, via python-fido2;
    authData that python-fido2 refuses to wrap is encoded with its CBOR
    encoder directly (same canonical map)."""
    try:
        return bytes(AttestationObject.create(fmt, ad, stmt).with_string_keys())
    except (ValueError, IndexError, KeyError, TypeError):
        return cbor.encode({"fmt": fmt, "attStmt": stmt, "authData": ad})


def tstr(s):
    b = s.encode()
    assert len(b) < 24
    return bytes([0x60 | len(b)]) + b


def bstr(b):
    return cbor.encode(bytes(b))


VECTORS = {}


def put(name, v):
    assert name not in VECTORS, name
    v.setdefault("rp_id", RP_ID)
    v.setdefault("origins", ORIGINS)
    v.setdefault("require_uv", False)
    VECTORS[name] = v


def hexs(b):
    return bytes(b).hex()


def register(name, desc, cred, fmt="none", attester=None, flags=UP | AT,
             count=0, ext=None, expect="ok", stmt_alg=None, cd=None,
             challenge=None, ad=None, ao=None, sign_ad=None, fido_check=True,
             stmt_extra=None, att_type=None):
    challenge = challenge or os.urandom(32)
    cd = cd or client_data("webauthn.create", challenge)
    if ad is None:
        ad = reg_auth_data(cred, flags, count, ext)
    msg = (sign_ad if sign_ad is not None else ad) + sha256(cd)
    sig = b""
    if fmt == "none":
        stmt = {}
    elif attester is None:  # packed self attestation
        sig = cred.sign(msg)
        stmt = {"alg": stmt_alg if stmt_alg is not None else cred.alg, "sig": sig}
    else:
        sig = attester.sign(msg)
        stmt = {"alg": stmt_alg if stmt_alg is not None else attester.alg,
                "sig": sig, "x5c": attester.x5c()}
    if stmt_extra:
        stmt.update(stmt_extra)
    if ao is None:
        ao = att_object(fmt, ad, stmt)
    v = {
        "description": desc,
        "kind": "register",
        "challenge": hexs(challenge),
        "client_data": hexs(cd),
        "attestation_object": hexs(ao),
        "auth_data": hexs(ad),
        "att_sig": hexs(sig),
        "expect": expect,
    }
    if expect == "ok":
        if fido_check:
            parsed = AttestationObject(
                bytes(AttestationObject.create(fmt, ad, stmt)))
            verifier = NoneAttestation() if fmt == "none" else PackedAttestation()
            verifier.verify(parsed.att_statement, parsed.auth_data, sha256(cd))
        v["result"] = {
            "cred_id": hexs(cred.cred_id),
            "cose_key": hexs(cred.cose_bytes()),
            "alg": cred.alg,
            "sign_count": count,
            "uv": bool(flags & UV),
            "flags": flags,
            "aaguid": hexs(AAGUID),
            "fmt": fmt,
            "att_type": att_type or ("none" if fmt == "none" else
                                     "self" if attester is None else "basic"),
        }
    put(name, v)


def assertion(name, desc, cred, flags=UP, count=1, ext=None, expect="ok",
              cd=None, challenge=None, ad=None, sig=None, cose=None, alg=None,
              require_uv=False):
    challenge = challenge or os.urandom(32)
    cd = cd or client_data("webauthn.get", challenge)
    if ad is None:
        ad = sha256(RP_ID.encode()) + struct.pack(">BI", flags, count)
        if ext is not None:
            ad += cbor.encode(ext)
    if sig is None:
        sig = cred.sign(ad + sha256(cd))
    v = {
        "description": desc,
        "kind": "assert",
        "challenge": hexs(challenge),
        "client_data": hexs(cd),
        "cose_key": hexs(cose if cose is not None else cred.cose_bytes()),
        "alg": alg if alg is not None else cred.alg,
        "auth_data": hexs(ad),
        "sig": hexs(sig),
        "require_uv": require_uv,
        "expect": expect,
    }
    if expect == "ok":
        parsed = AuthenticatorData(ad)
        cred.cose.verify(bytes(ad) + sha256(cd), sig)  # python-fido2 check
        v["result"] = {"sign_count": parsed.counter, "uv": bool(flags & UV),
                       "flags": flags}
    put(name, v)


def main():
    es = Cred(-7)
    rs = Cred(-257)
    ed = Cred(-8)
    creds = {"es256": es, "rs256": rs, "eddsa": ed}
    attesters = {"es256": Attester(-7), "rs256": Attester(-257),
                 "eddsa": Attester(-8)}

    # --- registrations that must be accepted ---
    for n, c in creds.items():
        register("reg_%s_none" % n, "fmt none, %s credential" % n, c)
        register("reg_%s_packed_self" % n,
                 "packed self attestation, %s, UV and BE/BS" % n, c,
                 fmt="packed", flags=UP | UV | BE | BS | AT, count=7)
        register("reg_%s_packed_x5c" % n,
                 "packed x5c attestation (%s attestation key), %s credential"
                 % (n, n), c, fmt="packed", attester=attesters[n],
                 flags=UP | UV | AT)
    register("reg_es256_packed_x5c_rsa_attester",
             "ES256 credential attested by an RSA attestation key", es,
             fmt="packed", attester=attesters["rs256"])
    register("reg_es256_packed_x5c_no_aaguid_ext",
             "x5c certificate without the optional AAGUID extension", es,
             fmt="packed", attester=Attester(-7, aaguid=None))
    register("reg_eddsa_packed_self_ext",
             "extensions map after the credential (ED)", ed, fmt="packed",
             flags=UP | UV | AT | ED, ext={"credProtect": 2})
    long_cred = Cred(-7)
    long_cred.cred_id = os.urandom(1023)
    register("reg_es256_none_cred_id_1023", "the longest credential ID",
             long_cred)

    # --- registrations that must be refused (validly signed otherwise) ---
    for tag, kw in (("bad_ou", {"ou": "Authenticator Attestations"}),
                    ("no_ou", {"ou": None}),
                    ("no_country", {"country": None}),
                    ("ca_true", {"ca": True}),
                    ("no_basic_constraints", {"bc": False}),
                    ("aaguid_mismatch", {"aaguid": OTHER_AAGUID}),
                    ("aaguid_critical", {"aaguid_critical": True}),
                    ("unknown_critical_ext", {"unknown_critical": True})):
        register("neg_reg_x5c_%s" % tag,
                 "x5c certificate requirement broken: %s" % tag, es,
                 fmt="packed", attester=Attester(-7, **kw), expect="TG_ERR_AUTH")
    register("neg_reg_x5c_alg_mismatch",
             "attStmt alg EdDSA but the certificate key is P-256", es,
             fmt="packed", attester=attesters["es256"], stmt_alg=-8,
             expect="TG_ERR_INVALID")
    register("neg_reg_self_alg_mismatch",
             "self attestation alg RS256, credential key ES256", es,
             fmt="packed", stmt_alg=-257, expect="TG_ERR_AUTH")
    register("neg_reg_unsupported_es384", "ES384 credential (alg -35)",
             Cred(-35), expect="TG_ERR_INVALID")
    register("neg_reg_unsupported_ps256", "PS256 credential (alg -37)",
             Cred(-37), expect="TG_ERR_INVALID")
    register("neg_reg_unsupported_es384_self",
             "ES384 credential, packed self attestation", Cred(-35),
             fmt="packed", expect="TG_ERR_INVALID")
    ad = reg_auth_data(es) + b"\x00"
    register("neg_reg_authdata_trailing_signed",
             "authData with one trailing byte, signature over it", es,
             fmt="packed", ad=ad, expect="TG_ERR_INVALID")
    register("neg_reg_authdata_trailing_none",
             "authData with one trailing byte, fmt none", es, ad=ad,
             expect="TG_ERR_INVALID")
    register("neg_reg_up_clear_signed", "UP not set, signed", es,
             fmt="packed", flags=UV | AT, expect="TG_ERR_AUTH")
    register("neg_reg_at_clear", "AT not set (no credential)", es,
             ad=sha256(RP_ID.encode()) + struct.pack(">BI", UP, 0),
             expect="TG_ERR_INVALID")
    register("neg_reg_bs_without_be", "BS set without BE, signed", es,
             fmt="packed", flags=UP | BS | AT, expect="TG_ERR_INVALID")
    register("neg_reg_ed_without_ext", "ED set, no extensions follow", es,
             flags=UP | AT | ED, expect="TG_ERR_INVALID")
    register("neg_reg_ext_not_map", "ED set, an array follows", es,
             ad=reg_auth_data(es, UP | AT | ED) + cbor.encode([1]),
             expect="TG_ERR_INVALID")
    priv = dict(es.cose)
    priv[-4] = es.priv.private_numbers().private_value.to_bytes(32, "big")
    register("neg_reg_cose_private_d", "COSE key carrying the private d", es,
             ad=reg_auth_data(es, cose=cbor.encode(priv)),
             expect="TG_ERR_INVALID")
    register("neg_reg_cose_no_alg", "COSE key without alg", es,
             ad=reg_auth_data(es, cose=cbor.encode(
                 {k: v for k, v in dict(es.cose).items() if k != 3})),
             expect="TG_ERR_INVALID")
    register("neg_reg_cose_kty_mismatch", "alg ES256 with kty OKP", es,
             ad=reg_auth_data(es, cose=cbor.encode(dict(es.cose) | {1: 1})),
             expect="TG_ERR_INVALID")
    n = es.priv.public_key().public_numbers()
    register("neg_reg_cose_off_curve", "ES256 point not on the curve", es,
             ad=reg_auth_data(es, cose=cbor.encode(
                 dict(es.cose) | {-3: ((n.y + 1) % 2**256).to_bytes(32, "big")})),
             expect="TG_ERR_INVALID")
    register("neg_reg_eddsa_small_order",
             "EdDSA key that is the identity point (small order)", ed,
             ad=reg_auth_data(ed, cose=cbor.encode(
                 dict(ed.cose) | {-2: b"\x01" + b"\x00" * 31})),
             expect="TG_ERR_INVALID")
    register("neg_reg_eddsa_noncanonical",
             "EdDSA key with y >= p (non-canonical encoding)", ed,
             ad=reg_auth_data(ed, cose=cbor.encode(
                 dict(ed.cose) | {-2: b"\xee" + b"\xff" * 30 + b"\x7f"})),
             expect="TG_ERR_INVALID")
    small = rsa.generate_private_key(65537, 1024).public_key()
    register("neg_reg_rsa_1024", "RS256 key of 1024 bits", rs,
             ad=reg_auth_data(rs, cose=cbor.encode(
                 dict(RS256.from_cryptography_key(small)))),
             expect="TG_ERR_INVALID")
    register("neg_reg_cred_id_1024", "credential ID of 1024 bytes", es,
             ad=reg_auth_data(es, cred_id=os.urandom(1024)),
             expect="TG_ERR_INVALID")
    register("neg_reg_cred_id_len_overrun",
             "credIdLen larger than the data left", es,
             ad=reg_auth_data(es)[:37 + 16] + b"\x0f\xff" + es.cred_id,
             expect="TG_ERR_INVALID")
    register("neg_reg_fmt_unknown", "fmt fido-u2f (unsupported)", es,
             fmt="fido-u2f", expect="TG_ERR_INVALID")
    register("neg_reg_none_stmt_not_empty", "fmt none with a statement", es,
             stmt_extra={"alg": -7}, expect="TG_ERR_INVALID")
    register("neg_reg_packed_ecdaa", "packed with ecdaaKeyId", es,
             fmt="packed", stmt_extra={"ecdaaKeyId": b"\x01" * 16},
             expect="TG_ERR_INVALID")
    register("neg_reg_wrong_rp", "rpIdHash of another RP, signed", es,
             fmt="packed",
             ad=reg_auth_data(es, rp_id="evil.example"), expect="TG_ERR_AUTH")
    ch = os.urandom(32)
    register("neg_reg_type_get", "clientData type webauthn.get", es,
             challenge=ch, cd=client_data("webauthn.get", ch),
             expect="TG_ERR_AUTH")
    register("neg_reg_cross_origin", "clientData crossOrigin true", es,
             challenge=ch, cd=client_data("webauthn.create", ch,
                                          cross_origin=True),
             expect="TG_ERR_POLICY")
    register("neg_reg_origin_evil", "clientData origin not allowed", es,
             challenge=ch, cd=client_data("webauthn.create", ch,
                                          origin="https://evil.example"),
             expect="TG_ERR_AUTH")
    cd = ('{"type":"webauthn.create","challenge":"%s","origin":"%s",'
          '"type":"webauthn.create"}' % (b64url(ch), ORIGIN)).encode()
    register("neg_reg_client_data_dup", "clientData with a duplicate member",
             es, challenge=ch, cd=cd, expect="TG_ERR_INVALID")
    cd = ('{"type":"webauthn.create","challenge":"%s==","origin":"%s"}'
          % (b64url(ch[:31]), ORIGIN)).encode()
    register("neg_reg_challenge_padded", "challenge with base64 padding", es,
             challenge=ch[:31], cd=cd, expect="TG_ERR_INVALID")
    # hand-made attestation objects (CBOR shape)
    ad = reg_auth_data(es)
    base = (tstr("fmt") + tstr("none") + tstr("attStmt") + b"\xa0"
            + tstr("authData") + bstr(ad))
    register("neg_reg_attobj_dup_key", "attestation object repeats fmt", es,
             ad=ad, ao=b"\xa4" + base + tstr("fmt") + tstr("none"),
             expect="TG_ERR_INVALID")
    register("neg_reg_attobj_extra_member", "attestation object extra member",
             es, ad=ad, ao=b"\xa4" + base + tstr("epAtt") + b"\xf5",
             expect="TG_ERR_INVALID")
    register("neg_reg_attobj_indefinite", "indefinite-length map", es, ad=ad,
             ao=b"\xbf" + base + b"\xff", expect="TG_ERR_INVALID")
    register("neg_reg_attobj_tagged", "tagged authData", es, ad=ad,
             ao=b"\xa3" + tstr("fmt") + tstr("none") + tstr("attStmt")
             + b"\xa0" + tstr("authData") + b"\xd8\x40" + bstr(ad),
             expect="TG_ERR_INVALID")
    register("neg_reg_attobj_int_keys", "CTAP integer keys instead of names",
             es, ad=ad, ao=bytes(AttestationObject.create("none", ad, {})),
             expect="TG_ERR_INVALID")
    register("neg_reg_attobj_array", "an array, not a map", es, ad=ad,
             ao=cbor.encode(["none", {}, ad]), expect="TG_ERR_INVALID")

    # --- assertions that must be accepted ---
    for n, c in creds.items():
        assertion("assert_%s_up" % n, "%s, UP only" % n, c, count=41)
        assertion("assert_%s_uv" % n, "%s, UP and UV" % n, c,
                  flags=UP | UV | BE | BS, count=0x01020304)
    assertion("assert_es256_ext", "extensions map (ED)", es,
              flags=UP | UV | ED, count=5, ext={"appid": False})
    assertion("assert_eddsa_count0", "counter 0 (not implemented)", ed,
              flags=UP | UV, count=0)

    # --- assertions that must be refused ---
    assertion("neg_assert_up_clear", "UP not set, signed", es, flags=UV,
              expect="TG_ERR_AUTH")
    assertion("neg_assert_bs_without_be", "BS without BE, signed", es,
              flags=UP | BS, expect="TG_ERR_INVALID")
    assertion("neg_assert_uv_required", "no UV, policy requires UV", es,
              require_uv=True, expect="TG_ERR_POLICY")
    assertion("neg_assert_at_set", "attested credential data in an assertion",
              es, ad=reg_auth_data(es, UP | AT), expect="TG_ERR_INVALID")
    ch = os.urandom(32)
    assertion("neg_assert_type_create", "clientData type webauthn.create", es,
              challenge=ch, cd=client_data("webauthn.create", ch),
              expect="TG_ERR_AUTH")
    assertion("neg_assert_cross_origin", "crossOrigin true", es, challenge=ch,
              cd=client_data("webauthn.get", ch, cross_origin=True),
              expect="TG_ERR_POLICY")
    assertion("neg_assert_cross_origin_string", "crossOrigin not a boolean",
              es, challenge=ch,
              cd=('{"type":"webauthn.get","challenge":"%s","origin":"%s",'
                  '"crossOrigin":"false"}' % (b64url(ch), ORIGIN)).encode(),
              expect="TG_ERR_INVALID")
    assertion("neg_assert_wrong_rp", "rpIdHash of another RP, signed", es,
              ad=sha256(b"tradeguard.example") + struct.pack(">BI", UP, 1),
              expect="TG_ERR_AUTH")
    es384 = Cred(-35)
    assertion("neg_assert_unsupported_es384", "stored key ES384", es384,
              expect="TG_ERR_INVALID")
    assertion("neg_assert_alg_mismatch", "stored alg RS256 for an ES256 key",
              es, alg=-257, expect="TG_ERR_INVALID")
    challenge = os.urandom(32)
    cd = client_data("webauthn.get", challenge)
    ad = sha256(RP_ID.encode()) + struct.pack(">BI", UP, 9)
    der = es.sign(ad + sha256(cd))
    from cryptography.hazmat.primitives.asymmetric.utils import (
        decode_dss_signature)
    r, s = decode_dss_signature(der)
    assertion("neg_assert_es256_raw_sig", "ES256 signature as raw r||s", es,
              challenge=challenge, cd=cd, ad=ad,
              sig=r.to_bytes(32, "big") + s.to_bytes(32, "big"),
              expect="TG_ERR_AUTH")
    ber = b"\x30\x81" + der[1:]  # long-form length: valid BER, not DER
    assertion("neg_assert_es256_ber_sig", "ES256 signature in BER", es,
              challenge=challenge, cd=cd, ad=ad, sig=ber, expect="TG_ERR_AUTH")
    assertion("neg_assert_other_key", "signed by another credential", es,
              challenge=challenge, cd=cd, ad=ad, sig=Cred(-7).sign(ad + sha256(cd)),
              expect="TG_ERR_AUTH")

    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.endswith(".json"):
            os.unlink(os.path.join(OUT, f))
    for n, v in sorted(VECTORS.items()):
        with open(os.path.join(OUT, n + ".json"), "w") as f:
            json.dump(v, f, indent=1, sort_keys=True)
            f.write("\n")
    print("%d vectors in %s" % (len(VECTORS), OUT), file=sys.stderr)
    write_corpora(es)


def write_corpora(es):
    """Seed corpora for tests/fuzz/fuzz_webauthn_{attestation,clientdata}.c:
    the vectors' attestation objects, authData and COSE keys, their
    clientDataJSON, and client data for the fuzzers' fixed challenge
    (bytes 0x00..0x1f) so that the seeds pass the challenge check."""
    fuzz = os.path.join(os.path.dirname(os.path.dirname(OUT)), "fuzz", "corpus")
    att = os.path.join(fuzz, "webauthn_attestation")
    cdc = os.path.join(fuzz, "webauthn_clientdata")
    for d in (att, cdc):
        os.makedirs(d, exist_ok=True)
        for f in os.listdir(d):
            os.unlink(os.path.join(d, f))
    seeds_att, seeds_cd = {}, {}
    for n, v in sorted(VECTORS.items()):
        if v["kind"] == "register":
            seeds_att[n + ".cbor"] = bytes.fromhex(v["attestation_object"])
        else:
            seeds_att[n + ".authdata"] = bytes.fromhex(v["auth_data"])
            seeds_att[n + ".cose"] = bytes.fromhex(v["cose_key"])
        seeds_cd[n + ".json"] = bytes.fromhex(v["client_data"])
    fixed = bytes(range(32))
    # a "none" registration for the attestation fuzzer's RP: accepted there
    seeds_att["fixed_none.cbor"] = att_object("none", reg_auth_data(es), {})
    for typ in ("webauthn.create", "webauthn.get"):
        seeds_cd["fixed_%s.json" % typ] = client_data(typ, fixed)
        seeds_cd["fixed_%s_cross.json" % typ] = client_data(
            typ, fixed, cross_origin=True)
    seeds_cd["fixed_app_origin.json"] = client_data(
        "webauthn.get", fixed, origin="https://app.tradeguard.example:8443")
    seeds_cd["fixed_token_binding.json"] = (
        '{"type":"webauthn.get","challenge":"%s","origin":"%s",'
        '"tokenBinding":{"status":"present","id":"AQID"}}'
        % (b64url(fixed), ORIGIN)).encode()
    for d, seeds in ((att, seeds_att), (cdc, seeds_cd)):
        for n, b in seeds.items():
            with open(os.path.join(d, n), "wb") as f:
                f.write(b)
    print("%d + %d fuzz seeds" % (len(seeds_att), len(seeds_cd)),
          file=sys.stderr)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Verify a TradeGuard audit export independently of TradeGuard.

    tradeguard audit export > audit.jsonl
    openssl pkey -in keys/audit-ed25519.pem -pubout -out audit-pub.pem
    scripts/audit-verify-export.py --pubkey audit-pub.pem audit.jsonl

Recomputes every record's SHA-256 from the byte format in
docs/audit-format.md (and src/core/audit_chain.h), checks that each record
links to the one before and that seq counts up from 1 without gaps, and
checks every checkpoint: signed by the given Ed25519 public key, over the
hash that the records give at its seq.

Exit status: 0 intact, 1 tampered (the first broken seq is printed),
2 usage or unreadable input.  Needs only the Python standard library and
python3-cryptography (Debian); run it as /usr/bin/python3.
"""

import argparse
import hashlib
import json
import struct
import sys

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
except ImportError:  # pragma: no cover
    sys.stderr.write("audit-verify-export: needs python3-cryptography "
                     "(apt install python3-cryptography; run /usr/bin/python3)\n")
    sys.exit(2)

CHAIN_MAGIC = b"TGAUDIT1"
CKPT_MAGIC = b"TGCKPT1"
# Hashed after the magic and prev_hash, in this order.
RECORD_TEXT_FIELDS = ("type", "actor", "subject", "src", "ua", "request_id",
                      "result", "details")
ZERO_HASH = bytes(32)


class Tampered(Exception):
    def __init__(self, seq, reason):
        super().__init__(reason)
        self.seq = seq
        self.reason = reason


def field(data: bytes) -> bytes:
    """F(x): uint32 big-endian length, then the bytes."""
    return struct.pack(">I", len(data)) + data


def record_hash(rec: dict, prev_hash: bytes) -> bytes:
    h = hashlib.sha256()
    h.update(CHAIN_MAGIC)
    h.update(prev_hash)
    h.update(field(str(rec["seq"]).encode("ascii")))
    h.update(field(str(rec["ts"]).encode("ascii")))
    for name in RECORD_TEXT_FIELDS:
        h.update(field(rec[name].encode("utf-8")))
    return h.digest()


def checkpoint_message(seq: int, ts: int, head_hash: bytes) -> bytes:
    return CKPT_MAGIC + struct.pack(">QQ", seq, ts) + head_hash


def hex_bytes(obj: dict, name: str, length: int, seq) -> bytes:
    value = obj.get(name)
    try:
        raw = bytes.fromhex(value)
    except (TypeError, ValueError):
        raw = None
    if raw is None or len(raw) != length:
        raise Tampered(seq, f"{name} is not {length} bytes of hex")
    return raw


def check_record_shape(rec: dict, lineno: int):
    seq = rec.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise Tampered(seq or 0, f"line {lineno}: record without a valid seq")
    if not isinstance(rec.get("ts"), int) or isinstance(rec.get("ts"), bool):
        raise Tampered(seq, f"line {lineno}: ts is not an integer")
    for name in RECORD_TEXT_FIELDS:
        if not isinstance(rec.get(name), str):
            raise Tampered(seq, f"line {lineno}: {name} is not a string")


def load_pubkey(path: str) -> bytes:
    with open(path, "rb") as f:
        pem = f.read()
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError:
        sys.stderr.write(
            f"audit-verify-export: {path} is not a PEM public key; make one "
            "with: openssl pkey -in keys/audit-ed25519.pem -pubout\n")
        sys.exit(2)
    if not isinstance(key, Ed25519PublicKey):
        sys.stderr.write(f"audit-verify-export: {path} is not an Ed25519 key\n")
        sys.exit(2)
    return key.public_bytes(serialization.Encoding.Raw,
                            serialization.PublicFormat.Raw)


def read_export(stream):
    """Split the lines into records (in file order) and checkpoints."""
    records, checkpoints = [], []
    for lineno, line in enumerate(stream, 1):
        line = line.strip()
        if not line:
            continue
        try:
            obj = json.loads(line)
        except ValueError as e:
            raise Tampered(0, f"line {lineno} is not JSON: {e}")
        if not isinstance(obj, dict):
            raise Tampered(0, f"line {lineno} is not a JSON object")
        obj["_line"] = lineno
        if obj.get("checkpoint") is True:
            checkpoints.append(obj)
        else:
            check_record_shape(obj, lineno)
            records.append(obj)
    return records, checkpoints


def verify(records, checkpoints, pub: bytes, report):
    """Mirror of tg_audit_verify().  Raises Tampered at the first broken seq."""
    trusted = Ed25519PublicKey.from_public_bytes(pub)
    by_seq = {}
    for c in checkpoints:
        seq = c.get("seq")
        ts = c.get("ts")
        if not isinstance(seq, int) or not isinstance(ts, int) or seq < 1 \
                or ts < 0:
            raise Tampered(seq if isinstance(seq, int) else 0,
                           f"line {c['_line']}: checkpoint without a valid "
                           "seq and ts")
        by_seq.setdefault(seq, []).append(c)

    partial = bool(records) and records[0]["seq"] != 1
    if partial:
        report(f"note: the export starts at seq {records[0]['seq']} (a "
               "filtered export): the link to the records before it is "
               "taken on trust")
    expect = records[0]["seq"] if records else 1
    prev = hex_bytes(records[0], "prev_hash", 32, expect) if partial else \
        ZERO_HASH
    stats = {"records": 0, "checkpoints": 0, "last_checkpoint": 0}

    for rec in records:
        seq = rec["seq"]
        if seq != expect:
            if seq > expect:
                raise Tampered(expect, "record missing (next record present "
                               f"is seq {seq})")
            raise Tampered(seq, f"record out of sequence (expected seq {expect})")
        stored_prev = hex_bytes(rec, "prev_hash", 32, seq)
        stored_hash = hex_bytes(rec, "hash", 32, seq)
        if stored_prev != prev:
            raise Tampered(seq, "first record's prev_hash is not all zeros"
                           if seq == 1 else
                           "prev_hash does not match the previous record's hash")
        computed = record_hash(rec, prev)
        if computed != stored_hash:
            raise Tampered(seq, "hash mismatch: the record's contents were "
                           "changed after it was written")
        for c in by_seq.pop(seq, []):
            if hex_bytes(c, "pub", 32, seq) != pub:
                raise Tampered(seq, f"checkpoint at seq {seq} was signed by "
                               "a key other than the given audit key")
            sig = hex_bytes(c, "sig", 64, seq)
            head = hex_bytes(c, "head_hash", 32, seq)
            try:
                trusted.verify(sig, checkpoint_message(seq, c["ts"], head))
            except InvalidSignature:
                raise Tampered(seq, f"checkpoint at seq {seq} has an invalid "
                               "signature")
            if head != computed:
                raise Tampered(seq, f"checkpoint at seq {seq} signed a "
                               "different chain head than the records now "
                               "give (records up to it were rewritten)")
            stats["checkpoints"] += 1
            stats["last_checkpoint"] = max(stats["last_checkpoint"], seq)
        prev = computed
        expect += 1
        stats["records"] += 1

    if by_seq:
        seq = min(by_seq)
        raise Tampered(seq, "checkpoint names a record that does not exist "
                       f"(the export ends at seq {expect - 1}; records were "
                       "removed)")
    return stats


def main():
    ap = argparse.ArgumentParser(
        description="Verify a `tradeguard audit export` (JSON lines) "
                    "independently.")
    ap.add_argument("--pubkey", required=True,
                    help="the audit Ed25519 public key, PEM (openssl pkey -in "
                         "keys/audit-ed25519.pem -pubout)")
    ap.add_argument("export", nargs="?", default="-",
                    help="the export file (default: stdin)")
    args = ap.parse_args()

    pub = load_pubkey(args.pubkey)
    try:
        if args.export == "-":
            records, checkpoints = read_export(sys.stdin)
        else:
            with open(args.export, encoding="utf-8") as f:
                records, checkpoints = read_export(f)
        stats = verify(records, checkpoints, pub,
                       lambda msg: print(msg, file=sys.stderr))
    except OSError as e:
        sys.stderr.write(f"audit-verify-export: {e}\n")
        return 2
    except UnicodeDecodeError as e:
        print(f"TAMPERED: the export is not valid UTF-8 ({e})")
        return 1
    except Tampered as t:
        print(f"TAMPERED at record {t.seq}: {t.reason}")
        return 1

    n, last = stats["records"], stats["last_checkpoint"]
    tail = (f"records after seq {last} not yet checkpointed"
            if last < (records[-1]["seq"] if records else 0)
            else "all records checkpointed")
    print(f"export intact: {n} records, {stats['checkpoints']} checkpoints "
          f"({tail})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

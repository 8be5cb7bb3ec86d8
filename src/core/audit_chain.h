/*
 * Audit hash chain (AUD-05): the exact bytes that are hashed and signed.
 * Outside verifiers reproduce these (docs/audit-format.md).
 *
 *   hash_n = SHA-256( "TGAUDIT1" || prev_hash (32 bytes) || F(seq) || F(ts)
 *            || F(type) || F(actor) || F(subject) || F(src) || F(ua)
 *            || F(request_id) || F(result) || F(details) )
 *   F(x)   = uint32 big-endian byte length of x || the UTF-8 bytes of x
 *   seq, ts: decimal ASCII (ts in milliseconds since the epoch)
 *   prev_hash of record 1 is 32 zero bytes.
 *
 *   checkpoint message = "TGCKPT1" || uint64be(seq) || uint64be(ts) || head_hash
 *   signed with Ed25519 (pure, no pre-hash).
 */
#ifndef TG_CORE_AUDIT_CHAIN_H
#define TG_CORE_AUDIT_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define TG_CHECKPOINT_MSG_LEN 55

/* Compute r's hash from its fields and r->prev_hash.  0 or TG_ERR_CRYPTO. */
int tg_audit_chain_hash(const struct tg_audit_rec *r, uint8_t out[32])
    __attribute__((warn_unused_result));

/* Build the checkpoint message. */
void tg_audit_checkpoint_msg(int64_t seq, int64_t ts, const uint8_t head[32],
    uint8_t out[TG_CHECKPOINT_MSG_LEN]);

#endif

/*
 * The one clock.  Every time-based rule (lockout, session expiry, flow
 * expiry, audit time stamps) reads time through a tg_clock so that tests can
 * set it.  Thread-safe.
 */
#ifndef TG_CORE_CLOCK_H
#define TG_CORE_CLOCK_H

#include <stdint.h>
#include <stdatomic.h>

typedef struct tg_clock {
	_Atomic int64_t offset_ms;	/* added to the system clock */
	_Atomic int64_t fixed_ms;	/* when non-zero, the time, frozen */
} tg_clock;

/* A real clock (offset 0, not frozen). */
void tg_clock_init(tg_clock *c);
/* Milliseconds since the Unix epoch, UTC. */
int64_t tg_clock_now_ms(const tg_clock *c);
/* Freeze the clock at ms (tests). */
void tg_clock_set_ms(tg_clock *c, int64_t ms);
/* Move the clock forward (or back, if negative) by delta_ms (tests). */
void tg_clock_advance_ms(tg_clock *c, int64_t delta_ms);
/* Format ms as RFC 3339 UTC with milliseconds into buf (>= 25 bytes). */
void tg_time_format(int64_t ms, char *buf, unsigned long len);

#endif

#include "core/clock.h"

#include <stdio.h>
#include <time.h>

void
tg_clock_init(tg_clock *c)
{
	atomic_store(&c->offset_ms, 0);
	atomic_store(&c->fixed_ms, 0);
}

int64_t
tg_clock_now_ms(const tg_clock *c)
{
	struct timespec ts;
	int64_t fixed = atomic_load(&((tg_clock *)c)->fixed_ms);

	if (fixed != 0)
		return fixed + atomic_load(&((tg_clock *)c)->offset_ms);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 +
	    atomic_load(&((tg_clock *)c)->offset_ms);
}

void
tg_clock_set_ms(tg_clock *c, int64_t ms)
{
	atomic_store(&c->offset_ms, 0);
	atomic_store(&c->fixed_ms, ms);
}

void
tg_clock_advance_ms(tg_clock *c, int64_t delta_ms)
{
	atomic_fetch_add(&c->offset_ms, delta_ms);
}

void
tg_time_format(int64_t ms, char *buf, unsigned long len)
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

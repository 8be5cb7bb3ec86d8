/*
 * libFuzzer target for the configuration parser (tg_config_parse): any
 * bytes must give 0 or TG_ERR_CONFIG with a NUL-terminated message, and a
 * successful parse must satisfy every bound the table promises.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tradeguard/error.h>

#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tg_config cfg;
	char err[256];
	int r;

	memset(err, 'Z', sizeof(err));
	r = tg_config_parse("fuzz.ini", (const char *)data, size, &cfg, err,
	    sizeof(err));
	if (r != 0 && r != TG_ERR_CONFIG)
		abort();
	if (memchr(err, '\0', sizeof(err)) == NULL)
		abort();
	if (r == 0 && (cfg.threads < 1 || cfg.threads > 64 ||
	    cfg.session_absolute_seconds < cfg.session_idle_seconds ||
	    cfg.argon2_parallelism != 1 || cfg.lockout_threshold > 3 ||
	    cfg.store_path[0] != '/' || cfg.keys_dir[0] != '/' ||
	    memchr(cfg.listen, '\0', sizeof(cfg.listen)) == NULL))
		abort();
	return 0;
}

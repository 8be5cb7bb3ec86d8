#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <tradeguard/error.h>

#include "core/clock.h"

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static int log_fd = STDERR_FILENO;
static char *log_path;
static enum tg_log_level log_min = TG_LOG_INFO;

static const char *const level_names[] = { "debug", "info", "warn", "error" };

static int
log_open_fd(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

int
tg_log_open(const char *path, enum tg_log_level min)
{
	int fd = STDERR_FILENO;

	if (path != NULL && path[0] != '\0' && (fd = log_open_fd(path)) < 0)
		return TG_ERR_IO;
	pthread_mutex_lock(&log_mu);
	if (log_fd != STDERR_FILENO)
		close(log_fd);
	free(log_path);
	log_path = (fd == STDERR_FILENO) ? NULL : strdup(path);
	log_fd = fd;
	log_min = min;
	pthread_mutex_unlock(&log_mu);
	return 0;
}

int
tg_log_reopen(void)
{
	int fd, r = 0;

	pthread_mutex_lock(&log_mu);
	if (log_path != NULL) {
		if ((fd = log_open_fd(log_path)) < 0)
			r = TG_ERR_IO;
		else {
			close(log_fd);
			log_fd = fd;
		}
	}
	pthread_mutex_unlock(&log_mu);
	return r;
}

void
tg_log_close(void)
{
	pthread_mutex_lock(&log_mu);
	if (log_fd != STDERR_FILENO)
		close(log_fd);
	log_fd = STDERR_FILENO;
	free(log_path);
	log_path = NULL;
	pthread_mutex_unlock(&log_mu);
}

/* Append s to out (bounded), escaped for a JSON string; control bytes become \u00XX. */
static size_t
log_escape(char *out, size_t pos, size_t cap, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	for (; *s != '\0' && pos + 7 < cap; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\') {
			out[pos++] = '\\';
			out[pos++] = (char)ch;
		} else if (ch < 0x20 || ch == 0x7f) {
			out[pos++] = '\\';
			out[pos++] = 'u';
			out[pos++] = '0';
			out[pos++] = '0';
			out[pos++] = hex[ch >> 4];
			out[pos++] = hex[ch & 0xf];
		} else
			out[pos++] = (char)ch;
	}
	return pos;
}

static size_t
log_append(char *out, size_t pos, size_t cap, const char *s)
{
	size_t n = strlen(s);

	if (pos + n >= cap)
		n = cap - pos - 1;
	/* The line is length-delimited (written with write(2)), never NUL-terminated. */
	memcpy(out + pos, s, n);	/* NOLINT(bugprone-not-null-terminated-result) */
	return pos + n;
}

void
tg_log(enum tg_log_level lvl, const char *event, const char *request_id,
    const char *fmt, ...)
{
	char msg[2048], line[4096], ts[32];
	struct timespec now;
	size_t pos = 0, cap = sizeof(line) - 2;
	va_list ap;
	ssize_t w;

	if (lvl < log_min)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	clock_gettime(CLOCK_REALTIME, &now);
	tg_time_format((int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000, ts,
	    sizeof(ts));

	pos = log_append(line, pos, cap, "{\"ts\":\"");
	pos = log_append(line, pos, cap, ts);
	pos = log_append(line, pos, cap, "\",\"level\":\"");
	pos = log_append(line, pos, cap, level_names[lvl]);
	pos = log_append(line, pos, cap, "\",\"event\":\"");
	pos = log_escape(line, pos, cap, event);
	if (request_id != NULL) {
		pos = log_append(line, pos, cap, "\",\"request_id\":\"");
		pos = log_escape(line, pos, cap, request_id);
	}
	pos = log_append(line, pos, cap, "\",\"msg\":\"");
	pos = log_escape(line, pos, cap, msg);
	pos = log_append(line, pos, cap, "\"}");
	line[pos++] = '\n';

	pthread_mutex_lock(&log_mu);
	w = write(log_fd, line, pos);
	pthread_mutex_unlock(&log_mu);
	(void)w;
}

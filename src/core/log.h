/*
 * Server log: JSON lines to stderr or a file.  Process-wide (like syslog).
 * Anything a peer sent is escaped before it is written; never pass secrets.
 */
#ifndef TG_CORE_LOG_H
#define TG_CORE_LOG_H

enum tg_log_level { TG_LOG_DEBUG, TG_LOG_INFO, TG_LOG_WARN, TG_LOG_ERROR };

/* Log to path (append) or to stderr when path is NULL or "".  Returns 0 or TG_ERR_IO. */
int tg_log_open(const char *path, enum tg_log_level min);
/* Reopen the same file (SIGHUP, after rotation).  Async-signal-unsafe: call from a loop. */
int tg_log_reopen(void);
void tg_log_close(void);
/*
 * Write one line: {"ts":..,"level":..,"event":..,"request_id":..,"msg":..}.
 * request_id may be NULL.  msg is printf-formatted and JSON-escaped.
 */
void tg_log(enum tg_log_level lvl, const char *event, const char *request_id,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif

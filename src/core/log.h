/* One-line key=value logs on standard error, safe from several threads. */
#ifndef AUTOLOGA_CORE_LOG_H
#define AUTOLOGA_CORE_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Messages below this level are dropped (default LOG_INFO). */
void log_set_level(enum log_level level);

/* Writes "ts=<ISO time> level=<level> <formatted text>\n" in one write(2) call so that lines
 * from different threads never interleave. Lines over 2 KiB are cut. */
void log_line(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

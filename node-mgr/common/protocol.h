/* The manager's socket protocol. A command sends its arguments; the
 * manager answers with frames of output and one exit status:
 *
 *   command -> manager:  "shoji/1 ARGC\n", then per argument "LEN\n" BYTES
 *   manager -> command:  "o LEN\n" BYTES   (for stdout)
 *                        "e LEN\n" BYTES   (for stderr)
 *                        "x STATUS\n"      (last frame)
 *
 * Both sides check every length; a peer that breaks the protocol is
 * dropped. */
#ifndef SHOJI_PROTOCOL_H
#define SHOJI_PROTOCOL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define PROTO_MAGIC "shoji/1"
#define PROTO_MAX_ARGS 64
#define PROTO_MAX_ARG 4096
#define PROTO_MAX_FRAME 65536

#define PROTO_DEFAULT_SOCKET "/run/shoji/shoji.sock"

/* A connection to the manager's socket, -1 with errno */
int mgr_connect(const char *path);

int proto_send_args(int fd, int argc, char *const *argv);
/* Returns argc >= 0 with a NULL-terminated malloc'd *argv, or -1. */
int proto_recv_args(FILE *in, char ***argv);
void proto_free_args(char **argv);

/* The manager's side of one connection. Writes never raise SIGPIPE; once
 * the command has gone, output is dropped and the work goes on. */
struct reply {
	int fd;
	bool gone;
	/* reply_hold: frames kept in memory until reply_release */
	unsigned held;
	FILE *hold;
	char *hold_buf;
	size_t hold_len;
};

void reply_write(struct reply *r, char stream, const void *buf, size_t len);
void reply_out(struct reply *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void reply_err(struct reply *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void reply_vprintf(struct reply *r, char stream, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
/* Until as many reply_release as reply_hold, frames are kept in memory
 * and then sent in one go: a reply formatted under a lock that must not
 * wait for the command's reader. Without memory for them frames are sent
 * as they come. */
void reply_hold(struct reply *r);
void reply_release(struct reply *r);
/* Ends from's holds and passes what it held on to to: held there too if
 * to is held, else sent. from is a held reply on to's connection for
 * another thread working for the same command, so that two threads never
 * write into one memory stream at once (without memory to hold, frames
 * go out as they come, as ever). */
void reply_pass_on(struct reply *from, struct reply *to);
/* Sends what is held, whatever the holds, then the exit status */
void reply_exit(struct reply *r, int status);
/* false once the command has closed its end (for -f loops) */
bool reply_alive(struct reply *r);

/* The command's side: copies frames to stdout and stderr until the exit
 * frame. Returns its status, or -1 if the connection broke. */
int proto_client_run(int fd);

#endif

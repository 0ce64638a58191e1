/*
 * uplab.h - labs that stay up (portlab up): how the commands that work on
 * them (down, run-step) reach the lab's inner process.
 *
 * The lab's outer process binds an abstract unix socket portlab/up/<name>
 * before it nests; the inner process inherits it and serves one request at
 * a time: a command word, with the asking terminal's stdout and stderr
 * passed along (SCM_RIGHTS), so that progress and reports appear where the
 * user typed, then one byte of exit status.
 */
#ifndef PORTLAB_UPLAB_H
#define PORTLAB_UPLAB_H

#include <stdbool.h>
#include <stddef.h>

#define UP_SOCKET "portlab/up/"
#define UP_NAME_MAX 40

/*
 * up_listen - a listening socket for a lab up as WANTED; when that name is
 * taken and TRY_OTHERS, as WANTED-2, WANTED-3... The name got goes in NAME.
 * Returns the socket, or -1 after saying why.
 */
int up_listen(const char *wanted, bool try_others, char *name, size_t len);

/* up_request - send COMMAND to the lab up as NAME, with our stdout and stderr; its exit status, or -1. */
int up_request(const char *name, const char *command);

/*
 * up_accept - the next request on LISTENER: its command into CMD and the
 * asker's stdout and stderr into FDS. Returns the connection, or -1.
 */
int up_accept(int listener, char *cmd, size_t len, int fds[2]);
/* up_answer - the exit STATUS back to the asker, and close CONN. */
void up_answer(int conn, int status);

#endif

/* uplab.c - requests to labs that stay up (see uplab.h). */
#include "uplab.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util.h"

/* address - the abstract socket address of the lab up as NAME; its length. */
static socklen_t address(struct sockaddr_un *sa, const char *name)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	int n = snprintf(sa->sun_path + 1, sizeof(sa->sun_path) - 1, UP_SOCKET "%s", name);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

/* good_name - letters, digits, '-', '_' and '.', not too long: it is part of socket names. */
static bool good_name(const char *name)
{
	size_t n = strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.");

	return n && !name[n] && n <= UP_NAME_MAX;
}

int up_listen(const char *wanted, bool try_others, char *name, size_t len)
{
	struct sockaddr_un sa;

	if (!good_name(wanted)) {
		pl_warn("'%s' cannot name a lab: use at most %d letters, digits, '-', '_' or '.'",
			wanted, UP_NAME_MAX);
		return -1;
	}
	for (int i = 1; i < 100; i++) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			pl_warn_errno("socket");
			return -1;
		}
		if (i == 1)
			snprintf(name, len, "%s", wanted);
		else
			snprintf(name, len, "%.*s-%d", UP_NAME_MAX - 3, wanted, i);
		socklen_t sl = address(&sa, name);
		if (bind(fd, (struct sockaddr *)&sa, sl) == 0 && listen(fd, 8) == 0)
			return fd;
		int e = errno;
		close(fd);
		if (e != EADDRINUSE) {
			errno = e;
			pl_warn_errno("bind %s", name);
			return -1;
		}
		if (!try_others) {
			pl_warn("a lab is up as '%s' already ('portlab ps'): choose another --name", name);
			return -1;
		}
	}
	pl_warn("too many labs are up as %s-N", wanted);
	return -1;
}

int up_request(const char *name, const char *command)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	socklen_t sl = address(&sa, name);

	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sl) < 0) {
		if (errno == ECONNREFUSED)
			pl_warn("no lab is up as '%s' ('portlab ps' lists them)", name);
		else
			pl_warn_errno("reach the lab up as %s", name);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	int fds[2] = { STDOUT_FILENO, STDERR_FILENO };
	char ctl[CMSG_SPACE(sizeof(fds))] = { 0 };
	struct iovec iov = { .iov_base = (void *)command, .iov_len = strlen(command) + 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			      .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(c), fds, sizeof(fds));
	fflush(stdout);
	unsigned char status;
	ssize_t n;
	if (sendmsg(fd, &msg, 0) < 0) {
		pl_warn_errno("ask the lab up as %s", name);
		close(fd);
		return -1;
	}
	while ((n = read(fd, &status, 1)) < 0 && errno == EINTR)
		;
	close(fd);
	if (n != 1) {
		pl_warn("the lab up as %s ended without an answer", name);
		return -1;
	}
	return status;
}

int up_accept(int listener, char *cmd, size_t len, int fds[2])
{
	int conn = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
	char ctl[CMSG_SPACE(2 * sizeof(int))];
	struct iovec iov = { .iov_base = cmd, .iov_len = len - 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			      .msg_controllen = sizeof(ctl) };

	if (conn < 0)
		return -1;
	ssize_t n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
	struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
	if (!c || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(2 * sizeof(int))) {
		close(conn);
		return -1;
	}
	memcpy(fds, CMSG_DATA(c), 2 * sizeof(int));
	cmd[n] = '\0';
	return conn;
}

void up_answer(int conn, int status)
{
	unsigned char b = (unsigned char)status;

	if (write(conn, &b, 1) != 1)
		pl_warn_errno("answer a request");
	close(conn);
}

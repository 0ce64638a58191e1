/*
 * report.c - JSON-lines events for scenario programs (see report.h).
 *
 * Each event is built in a buffer and written with one write(2), so that
 * a program killed at any moment leaves whole lines behind.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strerrorname_np, program_invocation_short_name */
#endif
#include "report.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#define MAX_TAGS 4

static struct {
	char key[32];
	char value[128];
} tags[MAX_TAGS];

struct line {
	char buf[1024];
	size_t len;
};

/* report_calling's time, for the next event only */
static struct timeval calling;
static int calling_set;

static void put(struct line *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->len >= sizeof(l->buf))
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->len, sizeof(l->buf) - l->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len += (size_t)n;
	if (l->len > sizeof(l->buf) - 1)
		l->len = sizeof(l->buf) - 1;
}

/* put_string - a JSON string member; our values never need more than \" and \\. */
static void put_string(struct line *l, const char *key, const char *value)
{
	put(l, ",\"%s\":\"", key);
	for (; *value; value++) {
		if (*value == '"' || *value == '\\')
			put(l, "\\%c", *value);
		else if ((unsigned char)*value < 0x20)
			put(l, "\\u%04x", (unsigned char)*value);
		else
			put(l, "%c", *value);
	}
	put(l, "\"");
}

static void begin(struct line *l, const char *call)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	l->len = 0;
	put(l, "{\"t\":%lld.%06ld", (long long)tv.tv_sec, (long)tv.tv_usec);
	if (calling_set)
		put(l, ",\"t_called\":%lld.%06ld", (long long)calling.tv_sec, (long)calling.tv_usec);
	calling_set = 0;
	put_string(l, "call", call);
	for (int i = 0; i < MAX_TAGS; i++)
		if (tags[i].key[0])
			put_string(l, tags[i].key, tags[i].value);
}

void report_calling(void)
{
	int err = errno;

	gettimeofday(&calling, NULL);
	calling_set = 1;
	errno = err;
}

static void end(struct line *l)
{
	size_t off = 0;

	put(l, "}\n");
	if (l->buf[l->len - 1] != '\n') /* cut short: still one line */
		l->buf[l->len - 1] = '\n';
	while (off < l->len) {
		ssize_t n = write(STDOUT_FILENO, l->buf + off, l->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* nobody is listening: nothing better to do */
		off += (size_t)n;
	}
}

static void put_outcome(struct line *l, long long rc, int err)
{
	if (rc >= 0) {
		put(l, ",\"ok\":true");
		return;
	}
	put(l, ",\"ok\":false");
	put_string(l, "errno", strerrorname_np(err) ? strerrorname_np(err) : "E?");
	put_string(l, "error", strerror(err));
}

const char *format_endpoint(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(in->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(in6->sin6_port));
	} else {
		snprintf(buf, len, "?");
	}
	return buf;
}

/*
 * The last peer each descriptor was seen connected to: once the peer has
 * reset or closed, getpeername() fails, yet a send or recv on the socket
 * still belongs to that connection.
 */
#define PEERS 1024
static char peers[PEERS][80];

/* put_names - "local" from getsockname, "remote" from getpeername or PEER. */
static void put_names(struct line *l, int fd, const struct sockaddr *peer)
{
	struct sockaddr_storage ss;
	socklen_t n = sizeof(ss);
	char text[80];

	if (fd < 0)
		return;
	put(l, ",\"fd\":%d", fd);
	if (getsockname(fd, (struct sockaddr *)&ss, &n) == 0 &&
	    (ss.ss_family == AF_INET || ss.ss_family == AF_INET6))
		put_string(l, "local", format_endpoint((void *)&ss, text, sizeof(text)));
	n = sizeof(ss);
	if (getpeername(fd, (struct sockaddr *)&ss, &n) == 0) {
		format_endpoint((void *)&ss, text, sizeof(text));
		put_string(l, "remote", text);
		if (fd < PEERS)
			snprintf(peers[fd], sizeof(peers[fd]), "%s", text);
	} else if (peer) {
		put_string(l, "remote", format_endpoint(peer, text, sizeof(text)));
	} else if (fd < PEERS && peers[fd][0]) {
		put_string(l, "remote", peers[fd]);
	}
}

int report_to(const char *call, int fd, int rc, const struct sockaddr *peer,
	      socklen_t peerlen)
{
	int err = errno;
	struct line l;

	(void)peerlen;
	begin(&l, call);
	put_outcome(&l, rc, err);
	if (strcmp(call, "socket") == 0 && rc >= 0)
		put(&l, ",\"fd\":%d", rc); /* a new socket has no address yet: 0.0.0.0:0 */
	else
		put_names(&l, fd, peer);
	end(&l);
	errno = err;
	return rc;
}

int report(const char *call, int fd, int rc)
{
	rc = report_to(call, fd, rc, NULL, 0); /* keeps errno */
	if (strcmp(call, "close") == 0 && fd >= 0 && fd < PEERS)
		peers[fd][0] = '\0'; /* the descriptor may come back for another socket */
	return rc;
}

int report_option(int fd, int rc, const char *option)
{
	int err = errno;
	struct line l;

	begin(&l, "setsockopt");
	put_outcome(&l, rc, err);
	put_string(&l, "option", option);
	put_names(&l, fd, NULL);
	end(&l);
	errno = err;
	return rc;
}

int report_accept(int lfd, int cfd)
{
	int err = errno;
	struct line l;

	begin(&l, "accept");
	put_outcome(&l, cfd, err);
	put(&l, ",\"listen_fd\":%d", lfd);
	put_names(&l, cfd, NULL);
	end(&l);
	errno = err;
	return cfd;
}

ssize_t report_io(const char *call, int fd, ssize_t rc)
{
	int err = errno;
	struct line l;

	begin(&l, call);
	put_outcome(&l, rc, err);
	if (rc >= 0)
		put(&l, ",\"bytes\":%zd", rc);
	put_names(&l, fd, NULL);
	end(&l);
	errno = err;
	return rc;
}

ssize_t report_from(const char *call, int fd, ssize_t rc,
		    const struct sockaddr *peer, socklen_t peerlen)
{
	int err = errno;
	struct line l;

	begin(&l, call);
	put_outcome(&l, rc, err);
	if (rc >= 0)
		put(&l, ",\"bytes\":%zd", rc);
	put_names(&l, fd, rc >= 0 && peerlen > 0 ? peer : NULL);
	end(&l);
	errno = err;
	return rc;
}

ssize_t report_sendto(int fd, ssize_t rc, const struct sockaddr *peer, socklen_t peerlen)
{
	return report_from("sendto", fd, rc, peer, peerlen);
}

void report_note(const char *what, const char *key, long long value)
{
	struct line l;

	begin(&l, what);
	put(&l, ",\"%s\":%lld", key, value);
	end(&l);
}

void report_note_text(const char *what, const char *key, long long value,
		      const char *text_key, const char *text)
{
	/* room for the time, the call, the tags and the closing brace */
	char cut[640];
	struct line l;

	if (strlen(text) >= sizeof(cut))
		snprintf(cut, sizeof(cut), "%.*s...", (int)sizeof(cut) - 4, text);
	else
		snprintf(cut, sizeof(cut), "%s", text);
	begin(&l, what);
	put(&l, ",\"%s\":%lld", key, value);
	put_string(&l, text_key, cut);
	end(&l);
}

void report_tag(const char *key, const char *value)
{
	int free_slot = -1;

	for (int i = 0; i < MAX_TAGS; i++) {
		if (strcmp(tags[i].key, key) == 0) {
			free_slot = i;
			break;
		}
		if (!tags[i].key[0] && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0)
		return;
	if (!value) {
		tags[free_slot].key[0] = '\0';
		return;
	}
	snprintf(tags[free_slot].key, sizeof(tags[free_slot].key), "%s", key);
	snprintf(tags[free_slot].value, sizeof(tags[free_slot].value), "%s", value);
}

int parse_endpoint(const char *text, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon;
	size_t hostlen;
	long port;

	memset(ss, 0, sizeof(*ss));
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (!close || close[1] != ':')
			goto bad;
		hostlen = (size_t)(close - text - 1);
		if (hostlen >= sizeof(host))
			goto bad;
		memcpy(host, text + 1, hostlen);
		colon = close + 1;
	} else {
		colon = strrchr(text, ':');
		if (!colon)
			goto bad;
		hostlen = (size_t)(colon - text);
		if (hostlen >= sizeof(host))
			goto bad;
		memcpy(host, text, hostlen);
	}
	host[hostlen] = '\0';
	port = parse_number(colon + 1, "port", 0, 65535);

	struct sockaddr_in *in = (void *)ss;
	struct sockaddr_in6 *in6 = (void *)ss;
	if (strcmp(host, "*") == 0 || inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		*len = sizeof(*in);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*in6);
		return 0;
	}
bad:
	fprintf(stderr, "%s: bad endpoint '%s' (want ADDR:PORT or [V6]:PORT)\n",
		program_invocation_short_name, text);
	return -1;
}

long parse_number(const char *text, const char *what, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || end == text || *end || v < min || v > max) {
		fprintf(stderr, "%s: bad %s '%s' (want %ld..%ld)\n",
			program_invocation_short_name, what, text, min, max);
		exit(2);
	}
	return v;
}

/* Descriptors a program needs besides its connections: stdio, listeners, epoll. */
#define SPARE_FDS 16

void raise_fd_limit(long conns)
{
	struct rlimit rl;
	long need = conns + SPARE_FDS;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("getrlimit RLIMIT_NOFILE");
	if (rl.rlim_max != RLIM_INFINITY && (rlim_t)need > rl.rlim_max) {
		fprintf(stderr, "%s: %ld connections need %ld descriptors, more than the "
			"RLIMIT_NOFILE hard limit of %llu (ulimit -Hn)\n",
			program_invocation_short_name, conns, need,
			(unsigned long long)rl.rlim_max);
		exit(1);
	}
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("setrlimit RLIMIT_NOFILE");
	report_note("rlimit-nofile", "soft", (long long)rl.rlim_cur);
}

void die(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, what,
		strerror(errno));
	exit(1);
}

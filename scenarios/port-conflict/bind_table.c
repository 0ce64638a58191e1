/*
 * bind_table - the whole table of "a second bind() on a port that is taken".
 *
 * For every ordered pair of local addresses over
 *	0.0.0.0, 127.0.0.1, the host's IPv4 address,
 *	::, ::1, the host's IPv6 address, ::ffff:127.0.0.1
 * (each IPv6 one with IPV6_V6ONLY off and on), and for each section below,
 * one socket takes the port first, then a second socket asks for it:
 *
 *	1. socket(), setsockopt() the section's options, bind() the first
 *	2. listen() on it, if the section says so
 *	3. socket(), setsockopt(), bind() the second; for TCP also listen()
 *	4. write the second socket's answer; close() both
 *
 * The table goes to bind-table.txt in the run folder, one pair a line:
 *	FIRST | SECOND | RESULT
 * FIRST and SECOND are the address, then " v6only", " reuseaddr",
 * " reuseport" and " other-user" when they apply. RESULT is "ok", the
 * errno name of the second bind() (EADDRINUSE, EINVAL...), "listen ERRNO"
 * when the bind worked but listen() did not, or "first ERRNO" when the
 * first socket could not take the port at all (then nothing is measured).
 *
 * The measured table is then compared, cell by cell, with a reference
 * table kept in the lab folder, and the note "bind-table" says how many
 * cells were measured, how many differ, and which (field "differences",
 * "none" when the kernel agrees with the reference).
 *
 * usage: bind_table --addr4 A --addr6 A6 --port P --reference FILE
 *                   [--other-uid UID]
 */
#include "celltable.h"
#include "labfiles.h"
#include "report.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Socket options, set before bind(). */
#define REUSEADDR	0x1	/* SO_REUSEADDR */
#define REUSEPORT	0x2	/* SO_REUSEPORT */
#define V6ONLY		0x4	/* IPV6_V6ONLY = 1 (Linux's default is 0) */
#define OTHER_USER	0x8	/* the socket belongs to another user (--other-uid) */

/* One local address a socket may ask for, with its IPV6_V6ONLY setting. */
struct endpoint {
	char text[INET6_ADDRSTRLEN + 8];	/* "::1 v6only" */
	struct sockaddr_storage ss;
	socklen_t len;
	int v6only;
};

/* A section of the table: one protocol, one set of options on both sockets. */
struct section {
	const char *title;	/* the [heading] line in the file */
	int type;		/* SOCK_STREAM or SOCK_DGRAM */
	int first_listens;	/* TCP: the first socket listens before the second binds */
	int first_opts, second_opts;
};

static const struct section sections[] = {
	{ "tcp: first listening", SOCK_STREAM, 1, 0, 0 },
	{ "tcp: first listening, reuseaddr on both", SOCK_STREAM, 1, REUSEADDR, REUSEADDR },
	{ "tcp: first bound, not listening", SOCK_STREAM, 0, 0, 0 },
	{ "tcp: first bound, not listening, reuseaddr on both", SOCK_STREAM, 0,
	  REUSEADDR, REUSEADDR },
	{ "tcp reuseport: same user", SOCK_STREAM, 1, REUSEPORT, REUSEPORT },
	{ "tcp reuseport: different users", SOCK_STREAM, 1, REUSEPORT, REUSEPORT | OTHER_USER },
	{ "udp", SOCK_DGRAM, 0, 0, 0 },
	{ "udp: reuseaddr on both", SOCK_DGRAM, 0, REUSEADDR, REUSEADDR },
	{ "udp reuseport: same user", SOCK_DGRAM, 0, REUSEPORT, REUSEPORT },
	{ "udp reuseport: different users", SOCK_DGRAM, 0, REUSEPORT, REUSEPORT | OTHER_USER },
};

#define NSECTIONS (sizeof(sections) / sizeof(sections[0]))
#define MAX_ENDPOINTS 16

static struct endpoint endpoints[MAX_ENDPOINTS];
static size_t nendpoints;
static uid_t other_uid = 65534;	/* nobody */
/*
 * Can this program act as other_uid? Not in a rootless run, where only the
 * user's own uid is mapped: the other-user sections are then skipped, said
 * so in a note, and left out of the comparison.
 */
static int other_user_ok;

/* try_other_user - can seteuid() reach other_uid and come back? */
static int try_other_user(void)
{
	if (seteuid(other_uid) < 0)
		return 0;
	if (seteuid(0) < 0)
		die("seteuid back to root");
	return 1;
}

/* skipped - is section S left out of this run? */
static int skipped(const struct section *s)
{
	return !other_user_ok && ((s->first_opts | s->second_opts) & OTHER_USER);
}

static void usage(void)
{
	fprintf(stderr, "usage: bind_table --addr4 A --addr6 A6 --port P --reference FILE "
		"[--other-uid UID]\n");
	exit(2);
}

/* add_endpoint - TEXT (an IPv4 or IPv6 address) with PORT, and V6ONLY for IPv6. */
static void add_endpoint(const char *text, unsigned short port, int v6only)
{
	struct endpoint *e = &endpoints[nendpoints++];
	struct sockaddr_in *in = (struct sockaddr_in *)&e->ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&e->ss;
	char canon[INET6_ADDRSTRLEN];

	memset(e, 0, sizeof(*e));
	if (inet_pton(AF_INET, text, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		e->len = sizeof(*in);
		inet_ntop(AF_INET, &in->sin_addr, canon, sizeof(canon));
	} else if (inet_pton(AF_INET6, text, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		e->len = sizeof(*in6);
		e->v6only = v6only;
		inet_ntop(AF_INET6, &in6->sin6_addr, canon, sizeof(canon));
	} else {
		fprintf(stderr, "bind_table: bad address '%s'\n", text);
		exit(2);
	}
	snprintf(e->text, sizeof(e->text), "%s%s", canon, v6only ? " v6only" : "");
}

/* add_address - TEXT as one endpoint (IPv4), or two (IPv6: V6ONLY off, on). */
static void add_address(const char *text, unsigned short port)
{
	add_endpoint(text, port, 0);
	if (strchr(text, ':'))
		add_endpoint(text, port, 1);
}

/* label - "ADDR[ v6only][ reuseaddr][ reuseport][ other-user]" into BUF. */
static const char *label(const struct endpoint *e, int opts, char *buf, size_t len)
{
	snprintf(buf, len, "%.60s%s%s%s", e->text, opts & REUSEADDR ? " reuseaddr" : "",
		 opts & REUSEPORT ? " reuseport" : "", opts & OTHER_USER ? " other-user" : "");
	return buf;
}

/* set_flag - setsockopt(LEVEL, NAME) to ON; returns 0 or -1. */
static int set_flag(int fd, int level, int name, int on)
{
	return setsockopt(fd, level, name, &on, sizeof(on));
}

/*
 * open_bound - a socket of TYPE with OPTS, bound to E (and listening if
 * LISTENS). Returns the descriptor, or -1 with errno and *STAGE saying
 * which call refused ("bind" or "listen"). Other failures end the program.
 */
static int open_bound(const struct endpoint *e, int type, int opts, int listens,
		      const char **stage)
{
	int fd, err;

	fd = socket(e->ss.ss_family, type, 0);
	if (fd < 0)
		die("socket");
	if ((opts & REUSEADDR && set_flag(fd, SOL_SOCKET, SO_REUSEADDR, 1) < 0) ||
	    (opts & REUSEPORT && set_flag(fd, SOL_SOCKET, SO_REUSEPORT, 1) < 0))
		die("setsockopt SO_REUSEADDR/SO_REUSEPORT");
	/* set either way, so that the cell does not hang on net.ipv6.bindv6only */
	if (e->ss.ss_family == AF_INET6 &&
	    set_flag(fd, IPPROTO_IPV6, IPV6_V6ONLY, e->v6only) < 0)
		die("setsockopt IPV6_V6ONLY");
	*stage = "bind";
	if (bind(fd, (const struct sockaddr *)&e->ss, e->len) == 0) {
		*stage = "listen";
		if (!listens || listen(fd, 8) == 0)
			return fd;
	}
	err = errno;
	if (close(fd) < 0)
		die("close");
	errno = err;
	return -1;
}

/*
 * open_as - open_bound() as the user the options say: a socket belongs to
 * the user whose (effective, file system) uid created it, and SO_REUSEPORT
 * only shares a port between sockets of one user.
 */
static int open_as(const struct endpoint *e, int type, int opts, int listens,
		   const char **stage)
{
	int fd, err;

	if (!(opts & OTHER_USER))
		return open_bound(e, type, opts, listens, stage);
	if (seteuid(other_uid) < 0)
		die("seteuid (other user)");
	fd = open_bound(e, type, opts, listens, stage);
	err = errno;
	if (seteuid(0) < 0)
		die("seteuid back to root");
	errno = err;
	return fd;
}

/* errname - the name of errno value ERR, e.g. "EADDRINUSE". */
static const char *errname(int err)
{
	const char *name = strerrorname_np(err);

	return name ? name : "E?";
}

/* measure - play one cell of section S: FIRST holds the port, SECOND asks. */
static void measure(const struct section *s, const struct endpoint *first,
		    const struct endpoint *second, char *result, size_t len)
{
	const char *stage;
	int a, b;

	a = open_as(first, s->type, s->first_opts, s->first_listens, &stage);
	if (a < 0) {
		snprintf(result, len, "first %s%s", strcmp(stage, "bind") ? "listen " : "",
			 errname(errno));
		return;
	}
	/* a TCP server needs both calls: bind(), then listen() once the first listens */
	b = open_as(second, s->type, s->second_opts, 0, &stage);
	if (b >= 0 && s->type == SOCK_STREAM && !s->first_listens && listen(a, 8) < 0) {
		snprintf(result, len, "first listen %s", errname(errno));
	} else if (b >= 0 && s->type == SOCK_STREAM && listen(b, 8) < 0) {
		snprintf(result, len, "listen %s", errname(errno));
	} else if (b < 0) {
		snprintf(result, len, "%s", errname(errno));
	} else {
		snprintf(result, len, "ok");
	}
	if ((b >= 0 && close(b) < 0) || close(a) < 0)
		die("close");
}

static struct cell_table measured, reference;

/* measure_all - every pair of every section into measured. */
static void measure_all(void)
{
	char a[96], b[96], pair[200], result[48];

	for (size_t s = 0; s < NSECTIONS; s++)
		for (size_t i = 0; i < nendpoints && !skipped(&sections[s]); i++)
			for (size_t k = 0; k < nendpoints; k++) {
				snprintf(pair, sizeof(pair), "%s | %s",
					 label(&endpoints[i], sections[s].first_opts, a, sizeof(a)),
					 label(&endpoints[k], sections[s].second_opts, b, sizeof(b)));
				measure(&sections[s], &endpoints[i], &endpoints[k],
					result, sizeof(result));
				table_add(&measured, sections[s].title, pair, result);
			}
}

/*
 * compare_with - the measured table against the reference at REFPATH; every
 * difference also goes to DIFFPATH, which is removed when there is none.
 * Reports the notes "bind-table" (how many reference cells went unmeasured,
 * and TABLEPATH) and "bind-table-compare".
 */
static void compare_with(const char *refpath, const char *diffpath, const char *tablepath)
{
	char diffs[8192], said[8400];
	FILE *all;
	size_t n;

	table_read(&reference, refpath);
	size_t total = reference.n, kept = 0, left_out = 0;
	/* sections not measured are not compared: their cells go after the first N (kept
	 * there, with the section names they own, until the program ends) */
	struct cell *moved = calloc(total ? total : 1, sizeof(*moved));
	if (!moved)
		die("calloc");
	for (size_t i = 0; i < total; i++) {
		int skip = 0;
		for (size_t s = 0; s < NSECTIONS; s++)
			skip |= skipped(&sections[s]) && !strcmp(reference.cells[i].section,
								sections[s].title);
		if (skip)
			moved[total - 1 - left_out++] = reference.cells[i];
		else
			moved[kept++] = reference.cells[i];
	}
	memcpy(reference.cells, moved, total * sizeof(*moved));
	free(moved);
	reference.n = kept;
	/* every cell of the reference, but those a rootless run cannot play, was measured */
	report_note_text("bind-table", "unmeasured", (long long)total - (long long)left_out -
			 (long long)measured.n, "file", tablepath);
	if (left_out)
		report_note_text("bind-table-skipped", "cells", (long long)left_out, "why",
				 "another user's sockets need that uid mapped (a rootless run maps "
				 "only its own)");
	all = fopen(diffpath, "w");
	if (!all)
		die(diffpath);
	n = table_compare(&measured, &reference, diffs, sizeof(diffs), all);
	if (fclose(all) != 0 || (!n && unlink(diffpath) < 0))
		die(diffpath);
	snprintf(said, sizeof(said), "%zu of %zu cells differ (all in "
		 "bind-table-differences.txt): %s", n, measured.n, diffs);
	report_note_text("bind-table-compare", "differing", (long long)n, "differences",
			 n ? said : "none");
}

int main(int argc, char **argv)
{
	const char *addr4 = NULL, *addr6 = NULL, *ref = NULL;
	char refpath[PATH_MAX], dir[PATH_MAX], out[PATH_MAX + 32], diff[PATH_MAX + 32];
	long port = 0;

	for (int i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "--addr4"))
			addr4 = argv[++i];
		else if (!strcmp(argv[i], "--addr6"))
			addr6 = argv[++i];
		else if (!strcmp(argv[i], "--port"))
			port = parse_number(argv[++i], "port", 1, 65535);
		else if (!strcmp(argv[i], "--reference"))
			ref = argv[++i];
		else if (!strcmp(argv[i], "--other-uid"))
			other_uid = (uid_t)parse_number(argv[++i], "uid", 1, 2147483647);
		else
			usage();
	}
	if (!addr4 || !addr6 || !port || !ref)
		usage();
	if (!lab_path(ref, refpath, sizeof(refpath)) || !run_folder(dir, sizeof(dir)))
		return 1;

	/* the address set, in the order of the rows and columns */
	const char *const set[] = { "0.0.0.0", "127.0.0.1", addr4, "::", "::1", addr6,
				    "::ffff:127.0.0.1" };
	for (size_t i = 0; i < sizeof(set) / sizeof(set[0]); i++)
		add_address(set[i], (unsigned short)port);

	other_user_ok = try_other_user();
	measure_all();
	snprintf(out, sizeof(out), "%s/bind-table.txt", dir);
	table_write(&measured, out,
		    "# bind-table.txt: a first socket holds a port, a second socket binds it.\n"
		    "# FIRST | SECOND | RESULT (the second socket's answer; see bind_table.c)\n");
	snprintf(diff, sizeof(diff), "%s/bind-table-differences.txt", dir);
	compare_with(refpath, diff, out);
	return 0;
}

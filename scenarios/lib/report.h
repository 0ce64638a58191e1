/*
 * report.h - how a scenario program tells portlab what the socket API said.
 *
 * Every call is reported as one JSON line on stdout, for example
 *   {"t":1732570000.123456,"call":"connect","fd":3,"ok":true,
 *    "local":"198.51.100.5:40001","remote":"203.0.113.80:443"}
 *   {"t":...,"call":"connect","fd":3,"ok":false,"errno":"ECONNREFUSED",
 *    "error":"Connection refused","local":"0.0.0.0:40002","remote":"203.0.113.80:443"}
 * portlab adds the role and host that ran the program.
 */
#ifndef PORTLAB_REPORT_H
#define PORTLAB_REPORT_H

#include <stddef.h>
#include <sys/socket.h>

/*
 * report - print the outcome of CALL on socket FD, whose return value was RC.
 * Call it straight after the system call, before anything can change errno.
 * Adds getsockname ("local") and getpeername ("remote") when they answer.
 * Returns RC, so that it wraps the call: if (report("bind", fd, bind(...)) < 0)
 */
int report(const char *call, int fd, int rc);

/*
 * report_calling - note the time just before a call that may block
 * (connect, accept): the next event gives it as "t_called", so that a
 * ladder shows when the call began as well as when it returned.
 */
void report_calling(void);

/*
 * report_to - like report, for calls that name a peer themselves (connect,
 * sendto): the peer is reported as "remote" even when getpeername cannot
 * tell it (the connect failed, or the socket is not connected).
 */
int report_to(const char *call, int fd, int rc, const struct sockaddr *peer,
	      socklen_t peerlen);

/*
 * report_option - report setsockopt() on FD that returned RC, naming the
 * OPTION that was set (e.g. "SO_REUSEADDR=1"), so that a reader of the
 * events can tell one option from another. Returns RC.
 */
int report_option(int fd, int rc, const char *option);

/*
 * report_accept - report accept() on listening socket LFD that returned CFD.
 * The event names both descriptors, so that a lab can show that the
 * accepted socket is a new one.
 */
int report_accept(int lfd, int cfd);

/* report_io - report a read/write/send/recv of RC bytes on FD. */
ssize_t report_io(const char *call, int fd, ssize_t rc);

/*
 * report_from - report recvfrom() of RC bytes on FD from PEER.
 */
ssize_t report_from(const char *call, int fd, ssize_t rc,
		    const struct sockaddr *peer, socklen_t peerlen);

/*
 * report_sendto - report sendto() of RC bytes on FD to PEER: the bytes and
 * the peer, even on a socket that is not connected.
 */
ssize_t report_sendto(int fd, ssize_t rc, const struct sockaddr *peer, socklen_t peerlen);

/* report_note - an event that is not a system call, with one number. */
void report_note(const char *what, const char *key, long long value);

/*
 * report_note_text - an event that is not a system call, with one number
 * and one text, e.g. a comparison: "differing": 2 and "cells": "a; b".
 * A text too long for the event's line is cut short, ending in "...".
 */
void report_note_text(const char *what, const char *key, long long value,
		      const char *text_key, const char *text);

/*
 * report_tag - add "KEY":"VALUE" to every following event (until the same
 * key is set to NULL), e.g. report_tag("case", "v4-any then v4-specific").
 */
void report_tag(const char *key, const char *value);

/*
 * parse_endpoint - parse "203.0.113.80:443", "[2001:db8::1]:443",
 * "*:443" (IPv4 any) or "[::]:443" into SS. Returns 0, or -1 and prints why.
 */
int parse_endpoint(const char *text, struct sockaddr_storage *ss,
		   socklen_t *len);

/* parse_number - the whole of TEXT as a number in [MIN, MAX], or exit(2). */
long parse_number(const char *text, const char *what, long min, long max);

/* format_endpoint - "addr:port" or "[v6]:port" into BUF. */
const char *format_endpoint(const struct sockaddr *sa, char *buf, size_t len);

/*
 * raise_fd_limit - make room for CONNS sockets: raise the soft RLIMIT_NOFILE
 * to the hard limit (reported as note "rlimit-nofile"), or exit(1) saying
 * that the hard limit is too low for CONNS.
 */
void raise_fd_limit(long conns);

/* die - print "PROG: WHAT: strerror(errno)" on stderr and exit(1). */
void die(const char *what) __attribute__((noreturn));

#endif

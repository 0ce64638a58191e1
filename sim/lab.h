/*
 * lab.h - a lab as read from its lab file: topology, steps, and each
 * expectation's words as written (expect.c compiles them; labread.h reads
 * a file and checks everything at once). The file format is described in
 * docs/lab-format.md.
 */
#ifndef PORTLAB_LAB_H
#define PORTLAB_LAB_H

#include <stdbool.h>
#include <stddef.h>

#include "nameindex.h"

#define IFNAME_MAX 15 /* Linux's IFNAMSIZ - 1 */
#define MAX_STEP_CAPS 8

struct lab_iface {
	char *name;
	char **addrs;    /* "198.51.100.5/24", "2001:db8::5/64" */
	size_t naddrs;
	bool attached;   /* on a link or segment */
	int line;
};

/* A link impairment on one interface: "impair IFACE delay 50ms loss 5% rate 1mbit". */
struct lab_impair {
	size_t iface;
	char *qdisc;       /* what follows "tc qdisc add dev IFACE root" */
	bool netem;        /* needs sch_netem (delay, jitter, loss); rate alone is tbf */
	int line;
};

struct lab_host {
	char *name;
	struct lab_iface *ifaces;
	size_t nifaces;
	char **routes;   /* iproute2 arguments after "route add" */
	int *route_lines;
	size_t nroutes;
	char **sysctls;  /* "key=value", net.* only; "?key=value" if the kernel may lack it */
	int *sysctl_lines;
	size_t nsysctls;
	char **nft;      /* nftables rules */
	int *nft_lines;
	size_t nnft;
	struct lab_impair *impairs; /* link impairments, by interface */
	size_t nimpairs;
	bool forward;
	int line;
};

struct lab_port {
	size_t host, iface; /* indexes */
};

struct lab_link {
	struct lab_port a, b;
	int line;
};

struct lab_segment {
	char *name;
	struct lab_port *ports;
	size_t nports;
	int line;
};

enum step_kind {
	STEP_START,        /* a program in the background */
	STEP_RUN,          /* a program in the foreground */
	STEP_WAIT_LISTEN,  /* a listener in ROLE's host */
	STEP_WAIT_EXIT,    /* ROLE's program has ended */
	STEP_STOP,         /* SIGTERM to ROLE's program */
	STEP_SOCKETS,      /* the host's socket table as events */
};

struct lab_step {
	enum step_kind kind;
	char *role;
	size_t host;
	char **argv;       /* NULL-terminated, for start/run */
	size_t argc;
	char *user;        /* NULL: root */
	char **caps;       /* capability names to keep, with user */
	size_t ncaps;
	double timeout;
	char **limits;     /* sandbox limits raised: "nofile=20000" (sandbox.h) */
	size_t nlimits;
	int proto;         /* wait listening: IPPROTO_TCP or IPPROTO_UDP */
	char *endpoint;    /* wait listening: "ADDR:PORT", "*:PORT" */
	int line;
};

/* expect "TEXT" SUBJECT: CHECK, after parameters were replaced. */
struct lab_expect {
	char *text;
	char **subject;    /* "events", "client", "connect", "ok" */
	size_t nsubject;
	char **check;      /* "count", "=", "2" */
	size_t ncheck;
	char *source;      /* "SUBJECT: CHECK" as written, for reports */
	char *param;       /* a --param this line uses, for errors; or NULL */
	int line;
};

struct lab_param {
	char *name, *value;
	bool overridden;   /* by --param */
};

struct lab {
	char *name, *title, *about;
	char *file;        /* the lab file */
	char *dir;         /* its folder */
	struct lab_host *hosts;
	size_t nhosts;
	struct lab_link *links;
	size_t nlinks;
	struct lab_segment *segments;
	size_t nsegments;
	struct lab_port *captures; /* explicit capture list; none = every non-lo iface */
	size_t ncaptures;
	struct lab_step *steps;
	size_t nsteps;
	struct lab_expect *expects;
	size_t nexpects;
	struct lab_param *params;
	size_t nparams;
	char **calls;      /* event calls the lab's programs add ('note') */
	size_t ncalls;
	char **fields;     /* event fields the lab's programs add ('tag', 'note') */
	size_t nfields;
	struct name_index host_names; /* host name -> index */
};

/*
 * lab_parse - read the lab file PATH, with parameter overrides OVERRIDES
 * ("name=value", NOVERRIDES of them), and check its topology and steps.
 * Expectations are kept as words: lab_read (labread.h) also compiles them.
 * Returns the lab, or NULL after printing "<file>:<line>: <what is wrong>".
 */
struct lab *lab_parse(const char *path, char **overrides, size_t noverrides);
void lab_free(struct lab *lab);

/* lab_header - just the name, title and about of a lab file, for listing. */
struct lab *lab_header(const char *path);

/* user_is_root - does a step's USER ("as USER") name root ("root" or "0")? */
bool user_is_root(const char *user);

/* lab_host_index - the host named NAME, or -1. */
long lab_host_index(const struct lab *lab, const char *name);
/* lab_iface_index - the interface NAME of host H, or -1. */
long lab_iface_index(const struct lab *lab, size_t h, const char *name);
/* lab_role_known - does some step of LAB (a program or a socket table) have role ROLE? */
bool lab_role_known(const struct lab *lab, const char *role, size_t len);

#endif

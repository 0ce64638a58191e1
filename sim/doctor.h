/*
 * doctor.h - the checks of `portlab doctor`: is everything portlab needs
 * here, and if not, how to get it. Each check fills one struct check.
 */
#ifndef PORTLAB_DOCTOR_H
#define PORTLAB_DOCTOR_H

#include <stdbool.h>
#include <stddef.h>

enum check_status {
	CHECK_OK,      /* present and usable */
	CHECK_WARN,    /* missing, but labs run without it (tests, extras, later features) */
	CHECK_MISSING, /* labs cannot run here until it is fixed */
};

struct check {
	const char *name;         /* short, one word or two: "iproute2", "netem" */
	enum check_status status;
	char *found;              /* what was found, or what is wrong */
	char *fix;                /* how to fix it; NULL when nothing needs doing */
};

/* check_set - fill C: STATUS, FIX (copied, or NULL) and what was found (printf-like). */
void check_set(struct check *c, enum check_status status, const char *fix,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * find_program - the full path of NAME on $PATH or in the sbin folders
 * (an ordinary user's PATH often lacks /usr/sbin, where nft lives);
 * newly allocated, or NULL.
 */
char *find_program(const char *name);

/*
 * probe_output - run ARGV (argv[0] a full path) with stdin from /dev/null,
 * its stdout (and its stderr too WITH_STDERR, else to /dev/null) into OUT (at
 * most LEN-1 bytes kept, trailing blanks removed); returns its exit status,
 * 128+N for signal N, or -1.
 */
int probe_output(char *const argv[], bool with_stderr, char *out, size_t len);

/* The checks, in the order they print. */
void check_privileges(struct check *c);
void check_rootless(struct check *c);
void check_labs(struct check *c);
void check_libpcap(struct check *c);
void check_kernel(struct check *c);
void check_iproute2(struct check *c);
void check_nftables(struct check *c);
void check_netem(struct check *c);
void check_cgroups(struct check *c);
void check_open_files(struct check *c);
void check_run_netns(struct check *c);
void check_tshark(struct check *c);
void check_tcpdump(struct check *c);
void check_browser(struct check *c);
void check_compiler(struct check *c);

#endif

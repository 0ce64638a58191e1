/*
 * toolrun.h - run the tools that build a lab (ip, nft, tc) inside a
 * namespace, one at a time or several at once, and read what they said.
 *
 * A tool is started inside the namespace by its parent's setns(), not with
 * "ip -n", which would also remount /sys for each host: 5 ms a host.
 */
#ifndef PORTLAB_TOOLRUN_H
#define PORTLAB_TOOLRUN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * run_spawn - start ARGV with its output appended to LOG (or inherited when
 * NULL), in namespace NETNS when not NULL; its pid, or -1 after saying why.
 */
pid_t run_spawn(char *const argv[], const char *log, const char *netns);
/* run_reap - wait for PID; its exit status (128 + signal when killed), or -1. */
int run_reap(pid_t pid, const char *what);
/* run_wait - run_spawn, then run_reap. */
int run_wait(char *const argv[], const char *log, const char *netns);

/* show_log - copy LOG to stderr, indented. */
void show_log(const char *log);
/* log_says - does LOG hold TEXT? */
bool log_says(const char *log, const char *text);
/*
 * script_line - the line of a script that a tool's LOG complains of: the
 * number after MARKER, the script's extension and a colon (ip -batch says
 * "Command failed F.ip:N", nft "F.nft:N:C: Error"); 0 when it names none.
 */
int script_line(const char *log, const char *marker);

/* One "ip -batch FILE" inside namespace NS (NULL: portlab's own). */
struct ip_job {
	const char *file, *ns, *log;
	const int *lines;        /* the lab-file line of each script line, or NULL */
	size_t nlines;
	pid_t pid;
	int status;
};

/*
 * ip_batches - run the N jobs, several at once; 0, or -1 / TOPO_LAB_ERROR
 * after saying why for the first that failed (a refused line of the lab
 * named as <LAB_FILE>:<line>).
 */
int ip_batches(struct ip_job *jobs, size_t n, const char *lab_file);

#endif

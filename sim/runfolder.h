/*
 * runfolder.h - where a run lives on the machine: its id, its folder of
 * captures, its pid file for 'portlab clean', and who owns it afterwards.
 */
#ifndef PORTLAB_RUNFOLDER_H
#define PORTLAB_RUNFOLDER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* make_run_id - LEN-1 random letters and digits, a letter first. */
void make_run_id(char *id, size_t len);

/* mkdirs - mkdir -p PATH; returns 0, or -1 after saying why. */
int mkdirs(const char *path);

/* captures_root - ROOT when given, else the captures/ folder beside the labs, as people would type it. */
const char *captures_root(const char *root);

/*
 * register_run - note in /run/portlab that this process owns RUN_ID, a run
 * of LAB kept in DIR: "PID STARTTIME", the lab, the folder, a line each.
 * Returns the pid file's path.
 */
char *register_run(const char *run_id, const char *lab, const char *dir);
/* process_start - when PID started (clock ticks since boot; 0 when gone): pid reuse cannot fake it. */
unsigned long long process_start(pid_t pid);
/* unregister_run - remove the pid file that register_run made, and free PATH. */
void unregister_run(char *path);

/*
 * give_back - under sudo, hand the run folder DIR (and its parent, when
 * MADE_PARENT) to the user who asked for it.
 */
void give_back(const char *dir, bool made_parent);

#endif

/* cmds.h - the sub-commands of portlab; each lives in cmd_<name>.c. */
#ifndef PORTLAB_CMDS_H
#define PORTLAB_CMDS_H

/* Each takes argv with argv[0] the sub-command's name; returns the exit status. */
int cmd_run(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_clean(int argc, char **argv);
int cmd_flows(int argc, char **argv);
int cmd_ps(int argc, char **argv);
int cmd_up(int argc, char **argv);
int cmd_down(int argc, char **argv);
int cmd_run_step(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_shell(int argc, char **argv);
int cmd_capture(int argc, char **argv);
int cmd_ladder(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
int cmd_trace(int argc, char **argv);
/* cmd_trace_internal - portlab _trace: a traced program's keeper in a run (launch.c). */
int cmd_trace_internal(int argc, char **argv);
int cmd_grade(int argc, char **argv);

/* Exit statuses, like diff and grep. */
enum {
	EXIT_PASS = 0,  /* every expectation held */
	EXIT_FAIL = 1,  /* an expectation failed */
	EXIT_USAGE = 2, /* bad option or lab file */
	EXIT_ENV = 3,   /* this machine cannot run labs (no privilege, missing tool) */
};

#endif

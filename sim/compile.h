/*
 * compile.h - take source: --use ROLE=FILE.c, or a folder with a Makefile
 * or with .c files, is compiled with the system compiler into the run's
 * folder before the lab is built. A compile error is a failed verdict (the
 * run goes on without that role), not a usage error.
 */
#ifndef PORTLAB_COMPILE_H
#define PORTLAB_COMPILE_H

#include <stdbool.h>

struct runner;

/* How long a compile may take, in seconds. */
#define COMPILE_TIMEOUT 60

/* needs_compiling - PATH is source for portlab to compile: a .c file or a folder. */
bool needs_compiling(const char *path);

/*
 * compile_program - build SRC into the folder DIR as program NAME; the
 * compiler's output goes to LOG. Returns the program's path, or NULL with
 * *WHY saying what went wrong (the compiler's first error lines).
 * The one place a compiler runs, contained (sandbox_tool): a copy of the
 * source in DIR/NAME.build is all it may write.
 */
char *compile_program(const char *src, const char *dir, const char *name, const char *log,
		      char **why);

/* runner_compile - compile every --use source of R; failures become problems of the run. */
void runner_compile(struct runner *r);

/* built_program - the compiled program for ROLE, or NULL (none, or it did not compile). */
const char *built_program(const struct runner *r, const char *role);
/* compile_failed - ROLE's source did not compile: its steps are skipped. */
bool compile_failed(const struct runner *r, const char *role);

#endif

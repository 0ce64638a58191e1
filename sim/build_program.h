/*
 * build_program.h - a student's submission into a program portlab can run.
 *
 * Source goes through compile.c's compile_program, like --use FILE.c: one
 * compiler, contained the same way.
 */
#ifndef PORTLAB_BUILD_PROGRAM_H
#define PORTLAB_BUILD_PROGRAM_H

enum build_status { BUILD_OK = 0, BUILD_FAILED = 1, BUILD_ERROR = -1 };

#define BUILD_SECONDS 60 /* a compile that takes longer is stopped and fails */

/*
 * build_program - make SUBMISSION runnable: a .c file is compiled with
 * `cc -O2 -Wall`, a folder is built with its Makefile (or all its .c files
 * are compiled together), an executable is used as it is. Everything goes
 * in OUTDIR: the binary, and compile.log (what the compiler said).
 * *BINARY is the program to run (newly allocated) when BUILD_OK; *LOG the
 * compiler's output file. BUILD_FAILED: the submission does not build (the
 * log says why); BUILD_ERROR: portlab itself could not try (said on stderr).
 */
int build_program(const char *submission, const char *outdir, char **binary, char **log);

#endif

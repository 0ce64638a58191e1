/*
 * labread.h - the one way to read a lab: parse the file (lab.c), compile its
 * expectations (expect.c) and so check every name it uses, before anything
 * is built. `portlab check`, `portlab run` and the tests share it.
 */
#ifndef PORTLAB_LABREAD_H
#define PORTLAB_LABREAD_H

#include <stddef.h>

struct lab;
struct expectations;

/*
 * lab_read - the lab in file PATH with parameter OVERRIDES ("name=value",
 * NOVERRIDES of them), and in *EXPECTS (when EXPECTS is not NULL) its
 * compiled expectations. NULL after printing every "<file>:<line>: ..." error.
 */
struct lab *lab_read(const char *path, char **overrides, size_t noverrides,
		     struct expectations **expects);

#endif

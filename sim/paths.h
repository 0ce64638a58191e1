/* paths.h - where portlab finds its labs and the programs they run. */
#ifndef PORTLAB_PATHS_H
#define PORTLAB_PATHS_H

#include <stddef.h>

/* exe_dir - the folder of the running portlab binary. */
const char *exe_dir(void);
/* programs_dir - where scenarios/<lab>/<program> are: beside the binary, or PREFIX/lib/portlab. */
const char *programs_dir(void);
/* labs_dir - the scenarios folder: $PORTLAB_SCENARIOS, or beside the binary. NULL if none. */
const char *labs_dir(void);
/*
 * lab_file - the lab file for NAME: a lab in labs_dir(), or a path to a
 * lab file or its folder. NULL after saying why.
 */
char *lab_file(const char *name);
/* lab_names - the labs in labs_dir(), sorted; *N is their count. */
char **lab_names(size_t *n);

#endif

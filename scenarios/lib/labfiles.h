/*
 * labfiles.h - where a scenario program finds its lab's files and where it
 * leaves files of its own for the run.
 *
 * A lab may keep reference data beside its lab file (scenarios/<lab>/), and
 * a program may write what it measured into the run folder
 * (captures/<lab>/<run-id>/), next to the captures and result.json.
 */
#ifndef PORTLAB_LABFILES_H
#define PORTLAB_LABFILES_H

#include <stddef.h>

/*
 * run_folder - the run folder into BUF: $PORTLAB_RUN_DIR when portlab sets
 * it, else the folder of this program's stderr, which portlab opens as
 * <run folder>/<role>.stderr. Returns BUF, or NULL after saying why.
 */
const char *run_folder(char *buf, size_t len);

/*
 * lab_path - the path of NAME in this program's lab folder into BUF:
 * $PORTLAB_LAB_DIR, else $PORTLAB_SCENARIOS/<lab>, else the program's own
 * folder (an installed tree keeps both together), else scenarios/<lab>
 * beside one of the folders above the program (a source tree: the program
 * is build/scenarios/<lab>/PROG). Returns BUF, or NULL after saying where
 * it looked. A NAME with a '/' in it is a path, used as it is.
 */
const char *lab_path(const char *name, char *buf, size_t len);

#endif

/* labcheck.h - what must hold before a lab is built: privilege, and the programs it will run. */
#ifndef PORTLAB_LABCHECK_H
#define PORTLAB_LABCHECK_H

#include <stddef.h>

struct lab;

/* missing_privilege - NULL when we may build namespaces as we are, else the capability missing. */
const char *missing_privilege(void);

/*
 * check_use - every "ROLE=PATH" of USE names a role of LAB, and every
 * program the lab will run can be found; 0, or -1 after saying why.
 */
int check_use(const struct lab *lab, char **use, size_t nuse);

#endif

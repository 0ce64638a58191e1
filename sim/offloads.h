/*
 * offloads.h - captures that show the real wire: GSO, GRO, TSO and TX
 * checksum offload off on every lab interface, unless the lab asks to keep
 * them (`param offloads on`, or `--param offloads=on` on a lab that
 * declares it).
 */
#ifndef PORTLAB_OFFLOADS_H
#define PORTLAB_OFFLOADS_H

#include <stddef.h>

#include "lab.h"

/*
 * offloads_off - inside each of the N namespaces NS, turn the offloads off
 * on every interface but lo. Returns 0, or -1 after saying why.
 */
int offloads_off(char *const *ns, size_t n);

/*
 * offloads_wanted - 1 when the N PARAMS of lab LAB_FILE set offloads=on,
 * 0 when they are off or not declared (the default), -1 after saying why
 * for any other value.
 */
int offloads_wanted(const struct lab_param *params, size_t n, const char *lab_file);

#endif

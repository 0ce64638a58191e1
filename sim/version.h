/* version.h - the version of this portlab, written by the Makefile from git describe. */
#ifndef PORTLAB_VERSION_H
#define PORTLAB_VERSION_H

extern const char portlab_version[];

#endif

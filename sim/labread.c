/* labread.c - parse a lab file and compile its expectations (see labread.h). */
#include "labread.h"

#include "expect.h"
#include "lab.h"

struct lab *lab_read(const char *path, char **overrides, size_t noverrides,
		     struct expectations **expects)
{
	struct lab *lab = lab_parse(path, overrides, noverrides);
	struct expectations *x;

	if (expects)
		*expects = NULL;
	if (!lab)
		return NULL;
	x = expectations_compile(lab);
	if (!x) {
		lab_free(lab);
		return NULL;
	}
	if (expects)
		*expects = x;
	else
		expectations_free(x);
	return lab;
}

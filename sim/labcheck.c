/* labcheck.c - what must hold before a lab is built (see labcheck.h). */
#include "labcheck.h"

#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab.h"
#include "launch.h"
#include "steps.h"
#include "util.h"

/* missing_privilege - NULL when we may build namespaces, else what is missing. */
const char *missing_privilege(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	unsigned long long eff = 0;

	if (!f)
		return "cannot read /proc/self/status";
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	fclose(f);
	if (!(eff & (1ULL << CAP_NET_ADMIN)))
		return "CAP_NET_ADMIN";
	if (!(eff & (1ULL << CAP_SYS_ADMIN)))
		return "CAP_SYS_ADMIN";
	if (!(eff & (1ULL << CAP_NET_RAW)))
		return "CAP_NET_RAW";
	return NULL;
}

int check_use(const struct lab *lab, char **use, size_t nuse)
{
	for (size_t u = 0; u < nuse; u++) { /* a misspelt role must not pass unnoticed */
		size_t rl = strcspn(use[u], "=");
		bool found = false;
		for (size_t i = 0; i < lab->nsteps && !found; i++)
			found = lab->steps[i].kind <= STEP_RUN && strlen(lab->steps[i].role) == rl &&
				!strncmp(lab->steps[i].role, use[u], rl);
		if (found)
			continue;
		fprintf(stderr, "portlab: --use %s: lab %s has no role '%.*s' (roles:", use[u],
			lab->name, (int)rl, use[u]);
		for (size_t i = 0; i < lab->nsteps; i++)
			if (lab->steps[i].kind <= STEP_RUN)
				fprintf(stderr, " %s", lab->steps[i].role);
		fputs(")\n", stderr);
		return -1;
	}
	for (size_t i = 0; i < lab->nsteps; i++) { /* every program must exist before we build */
		if (lab->steps[i].kind > STEP_RUN)
			continue;
		struct runner probe = { .lab = lab, .use = use, .nuse = nuse };
		char *path = program_path(&probe, &lab->steps[i]);
		if (!path)
			return -1;
		free(path);
	}
	return 0;
}

/* workers.c - run one job per index on a few threads at once (see workers.h). */
#include "workers.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "util.h"

struct pool {
	atomic_size_t next;
	size_t n;
	void (*job)(size_t i, void *arg);
	void *arg;
};

static void *work(void *p)
{
	struct pool *pool = p;
	size_t i;

	while ((i = atomic_fetch_add(&pool->next, 1)) < pool->n)
		pool->job(i, pool->arg);
	return NULL;
}

void run_workers(size_t n, size_t max, void (*job)(size_t i, void *arg), void *arg)
{
	struct pool pool = { .n = n, .job = job, .arg = arg };
	size_t nthreads = n < max ? n : max, started = 0;
	pthread_t *t = xcalloc(nthreads ? nthreads : 1, sizeof(*t));

	atomic_init(&pool.next, 0);
	for (; started + 1 < nthreads; started++)
		if (pthread_create(&t[started], NULL, work, &pool) != 0)
			break; /* fewer threads only make it slower */
	work(&pool);
	for (size_t k = 0; k < started; k++)
		pthread_join(t[k], NULL);
	free(t);
}

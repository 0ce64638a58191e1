/*
 * workers.h - run one job per index on a few threads at once.
 *
 * Opening and closing a packet socket each wait for an RCU grace period in
 * the kernel (synchronize_net, 10-30 ms here); done one after another, a
 * 100-interface lab spends seconds waiting. Threads waiting at the same
 * time share the grace periods.
 */
#ifndef PORTLAB_WORKERS_H
#define PORTLAB_WORKERS_H

#include <stddef.h>

/*
 * run_workers - call JOB(I, ARG) for every I below N, on at most MAX
 * threads; returns when all are done. Falls back to the calling thread
 * when no thread can be made.
 */
void run_workers(size_t n, size_t max, void (*job)(size_t i, void *arg), void *arg);

#endif

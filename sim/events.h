/* events.h - put a run's socket events in order and orient their four-tuples. */
#ifndef PORTLAB_EVENTS_H
#define PORTLAB_EVENTS_H

#include <stddef.h>

struct record;

/*
 * events_finish - sort EV by time (programs write in parallel; portlab reads
 * their pipes in turn), number them ("seq"), split their endpoints
 * (local_addr, local_port, remote_addr, remote_port), and give every event
 * that has both ends a "tuple" written from the side that opened the
 * connection.
 *
 * Who opened a connection is decided by the first event of each pair of
 * endpoints in a host: connect/send/sendto say the local side did, accept/
 * recv/recvfrom that the remote side did; every later event of the pair
 * (a server's send, a client's recv of the reply) follows it.
 */
void events_finish(struct record *ev, size_t n);

#endif

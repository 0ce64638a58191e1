/* quiet.c - is the lab done sending: busy TCP sockets, queued packets (see quiet.h). */
#include "quiet.h"

#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

/* states that always send again: a handshake or a FIN not yet answered */
#define BUSY_STATES ((1u << TCP_SYN_SENT) | (1u << TCP_SYN_RECV) | (1u << TCP_FIN_WAIT1) | \
		     (1u << TCP_CLOSING) | (1u << TCP_LAST_ACK) | (1u << 12 /* NEW_SYN_RECV */))
/* states that send again only while data is unacknowledged */
#define DATA_STATES ((1u << TCP_ESTABLISHED) | (1u << TCP_CLOSE_WAIT))

static int netlink(int protocol, const char *what)
{
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, protocol);

	if (fd < 0)
		pl_warn_errno("socket(%s) to see when the lab is done", what);
	return fd;
}

int quiet_watch_open(struct quiet_watch *w)
{
	w->diag = netlink(NETLINK_SOCK_DIAG, "NETLINK_SOCK_DIAG");
	w->rtnl = w->diag < 0 ? -1 : netlink(NETLINK_ROUTE, "NETLINK_ROUTE");
	if (w->rtnl < 0) {
		quiet_watch_close(w);
		return -1;
	}
	return 0;
}

void quiet_watch_close(struct quiet_watch *w)
{
	if (w->diag >= 0)
		close(w->diag);
	if (w->rtnl >= 0)
		close(w->rtnl);
	w->diag = w->rtnl = -1;
}

static int ask(int fd, void *msg, size_t len)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	return sendto(fd, msg, len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0 ? -1 : 0;
}

/* dump - read a dump's answers, adding what EACH says of every message; the sum, or -1. */
static long dump(int fd, long (*each)(const struct nlmsghdr *h))
{
	long buf[8192 / sizeof(long)], sum = 0;

	for (;;) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		if (len < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)len);
		     h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == NLMSG_DONE)
				return sum;
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);
				errno = e->error ? -e->error : EPROTO;
				return -1;
			}
			sum += each(h);
		}
	}
}

/* busy_socket - 1 when the socket of H will still send. */
static long busy_socket(const struct nlmsghdr *h)
{
	const struct inet_diag_msg *m = NLMSG_DATA(h);

	return (BUSY_STATES & (1u << m->idiag_state)) || m->idiag_wqueue > 0;
}

static long tcp_busy(int fd, int family)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} msg = {
		.nlh = { .nlmsg_len = sizeof(msg), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.req = { .sdiag_family = (unsigned char)family, .sdiag_protocol = IPPROTO_TCP,
			 .idiag_states = BUSY_STATES | DATA_STATES },
	};

	return ask(fd, &msg, sizeof(msg)) < 0 ? -1 : dump(fd, busy_socket);
}

/* queued - the packets a qdisc of H holds (its TCA_STATS qlen). */
static long queued(const struct nlmsghdr *h)
{
	int len = (int)h->nlmsg_len - NLMSG_SPACE(sizeof(struct tcmsg));

	for (struct rtattr *a = (struct rtattr *)((char *)NLMSG_DATA(h) + NLMSG_ALIGN(sizeof(struct tcmsg)));
	     RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == TCA_STATS && RTA_PAYLOAD(a) >= sizeof(struct tc_stats)) {
			struct tc_stats st; /* attributes are 4-byte aligned, tc_stats wants 8 */
			memcpy(&st, RTA_DATA(a), sizeof(st));
			return (long)st.qlen;
		}
	return 0;
}

static long qdisc_backlog(int fd)
{
	struct {
		struct nlmsghdr nlh;
		struct tcmsg tc;
	} msg = {
		.nlh = { .nlmsg_len = sizeof(msg), .nlmsg_type = RTM_GETQDISC,
			 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.tc = { .tcm_family = AF_UNSPEC },
	};

	return ask(fd, &msg, sizeof(msg)) < 0 ? -1 : dump(fd, queued);
}

int quiet_busy(const struct quiet_watch *w)
{
	long v4 = tcp_busy(w->diag, AF_INET), v6 = v4 < 0 ? -1 : tcp_busy(w->diag, AF_INET6);
	long q = v6 < 0 ? -1 : qdisc_backlog(w->rtnl);

	return q < 0 ? -1 : (int)(v4 + v6 + q);
}

int quiet_marker_open(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		pl_warn_errno("capture: a loopback socket to flush the CPUs' queues");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* pass_marker - send a byte to ourselves and wait for it; 0, or -1. */
static int pass_marker(int fd)
{
	char byte = 'm';
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (send(fd, &byte, 1, 0) != 1)
		return -1;
	for (;;) {
		int rc = poll(&p, 1, 1000);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			return -1;
		return recv(fd, &byte, 1, 0) == 1 ? 0 : -1;
	}
}

int quiet_flush(int marker)
{
	cpu_set_t mine, one;
	int rc = 0;

	if (sched_getaffinity(0, sizeof(mine), &mine) < 0)
		return -1;
	for (int cpu = 0; cpu < CPU_SETSIZE && rc == 0; cpu++) {
		if (!CPU_ISSET(cpu, &mine))
			continue;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		rc = sched_setaffinity(0, sizeof(one), &one) < 0 ? -1 : pass_marker(marker);
	}
	if (sched_setaffinity(0, sizeof(mine), &mine) < 0)
		rc = -1;
	return rc;
}

int quiet_lo_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = -1;

	if (fd >= 0 && ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	if (rc < 0)
		pl_warn_errno("bring lo up in the run's own namespace");
	if (fd >= 0)
		close(fd);
	return rc;
}

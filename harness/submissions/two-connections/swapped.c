/*
 * two-connections, reference solution: open two TCP connections to
 * 203.0.113.80:443 at the same time and print each one's four-tuple as
 * "local_ip:port -> remote_ip:port".
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

/* print_tuple - "local_ip:port -> remote_ip:port" of the connected socket FD. */
static int print_tuple(int fd)
{
	struct sockaddr_in local, remote;
	socklen_t ll = sizeof(local), rl = sizeof(remote);
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	if (getsockname(fd, (struct sockaddr *)&local, &ll) < 0 ||
	    getpeername(fd, (struct sockaddr *)&remote, &rl) < 0) {
		perror("getsockname/getpeername");
		return -1;
	}
	/* the mistake: the remote end first */
	printf("%s:%u -> %s:%u\n", inet_ntop(AF_INET, &remote.sin_addr, b, sizeof(b)),
	       ntohs(remote.sin_port), inet_ntop(AF_INET, &local.sin_addr, a, sizeof(a)),
	       ntohs(local.sin_port));
	return 0;
}

int main(void)
{
	struct sockaddr_in server = { .sin_family = AF_INET, .sin_port = htons(443) };
	int fds[2];

	inet_pton(AF_INET, "203.0.113.80", &server.sin_addr);
	for (int i = 0; i < 2; i++) { /* both open before either is closed */
		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (fds[i] < 0 || connect(fds[i], (struct sockaddr *)&server, sizeof(server)) < 0) {
			perror("connect");
			return 1;
		}
	}
	for (int i = 0; i < 2; i++)
		if (print_tuple(fds[i]) < 0)
			return 1;
	for (int i = 0; i < 2; i++)
		close(fds[i]);
	return 0;
}

/*
 * udp-sender, reference solution: send 5 UDP datagrams to
 * 203.0.113.80:9999 and exit, without waiting for any reply.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9998) };
	char msg[64];
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0) {
		perror("socket");
		return 1;
	}
	if (inet_pton(AF_INET, "203.0.113.80", &to.sin_addr) != 1) {
		fprintf(stderr, "bad address\n");
		return 1;
	}
	for (int i = 1; i <= 5; i++) {
		int n = snprintf(msg, sizeof(msg), "datagram %d\n", i);
		if (sendto(fd, msg, (size_t)n, 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
			perror("sendto");
			return 1;
		}
	}
	close(fd);
	return 0;
}

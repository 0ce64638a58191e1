/*
 * echo-server, reference solution: a TCP server on port 8080, on every
 * IPv4 address of its host, serving one client after another: read a
 * line, send it back, close the connection.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PORT 8080

/* serve - read one line from FD and send it back. */
static void serve(int fd)
{
	char line[1024];
	size_t got = 0;
	ssize_t n;

	while (got < sizeof(line) && (n = read(fd, line + got, sizeof(line) - got)) > 0) {
		got += (size_t)n;
		if (memchr(line, '\n', got))
			break;
	}
	if (got > 0 && write(fd, line, got) < 0)
		perror("write");
}

int main(void)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(PORT),
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1;
	int lfd = socket(AF_INET, SOCK_STREAM, 0);

	if (lfd < 0) {
		perror("socket");
		return 1;
	}
	if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		perror("setsockopt");
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		perror("bind");
		return 1;
	}
	if (listen(lfd, 16) < 0) {
		perror("listen");
		return 1;
	}
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			perror("accept");
			continue;
		}
		serve(fd);
		close(fd);
	}
}

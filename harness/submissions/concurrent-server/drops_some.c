/*
 * A wrong solution for the tests: drops every 7th client
 *
 * concurrent-server, reference solution: a TCP server on port 8080 that
 * serves many clients at the same time, one process per client: each
 * reads a line, sends it back and closes.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
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
				    .sin_addr.s_addr = htonl(INADDR_ANY) };
	int one = 1;
	int lfd = socket(AF_INET, SOCK_STREAM, 0);

	signal(SIGCHLD, SIG_IGN); /* children are reaped by the kernel */
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(lfd, 128) < 0) {
		perror("socket/bind/listen");
		return 1;
	}
	for (long n = 1;; n++) {
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			perror("accept");
			continue;
		}
		pid_t pid = fork();
		if (pid == 0) { /* the child serves this client */
			close(lfd);
			if (n % 7 != 3) /* the mistake: every 7th client is dropped */
				serve(fd);
			close(fd);
			_exit(0);
		}
		if (pid < 0)
			perror("fork");
		close(fd); /* the parent goes back to accept() */
	}
}

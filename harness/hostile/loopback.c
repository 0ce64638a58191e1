/* loopback - connect to 127.0.0.1:PORT and say what happened. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	to.sin_port = htons((unsigned short)(argc > 1 ? atoi(argv[1]) : 80));
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0) {
		fprintf(stderr, "connect 127.0.0.1:%s: %s\n", argc > 1 ? argv[1] : "80", strerror(errno));
		return 1;
	}
	if (write(fd, "hello from the lab\n", 19) < 0)
		perror("write");
	printf("{\"call\":\"connect\",\"ok\":true}\n");
	close(fd);
	return 0;
}

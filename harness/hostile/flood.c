/* flood - make socket calls without end, each one an event for the tracer
 * (or, with "junk", print long lines; with "nonl", one endless line without
 * a newline: output, not events). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
	int junk = argc > 1 && !strcmp(argv[1], "junk");
	int nonl = argc > 1 && !strcmp(argv[1], "nonl");
	char line[1024];

	if (!junk && !nonl) {
		struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		inet_pton(AF_INET, "192.0.2.2", &to.sin_addr);
		if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0) {
			perror("socket");
			return 1;
		}
		for (;;)
			(void)!send(fd, "x", 1, 0);
	}
	memset(line, 'x', sizeof(line) - 2);
	line[sizeof(line) - 2] = nonl ? 'x' : '\n';
	line[sizeof(line) - 1] = '\0';
	for (;;)
		fputs(line, stdout);
}

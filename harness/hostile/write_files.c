/* write_files - write into /etc, /root and /tmp, read /etc/shadow; say what happened. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int try_open(const char *path, int flags)
{
	int fd = open(path, flags, 0644);

	if (fd < 0) {
		fprintf(stderr, "%s %s: %s\n", flags == O_RDONLY ? "read" : "write to", path,
			strerror(errno));
		return 1;
	}
	if (flags != O_RDONLY && write(fd, "portlab was here\n", 17) != 17)
		perror("write");
	close(fd);
	printf("{\"call\":\"opened\",\"ok\":true,\"path\":\"%s\"}\n", path);
	return 0;
}

int main(int argc, char **argv)
{
	const char *tag = argc > 1 && argv[1][0] != '-' ? argv[1] : "portlab-was-here";
	char etc[256], root[256], tmp[256];
	int failed = 0;

	snprintf(etc, sizeof(etc), "/etc/%s", tag);
	snprintf(root, sizeof(root), "/root/%s", tag);
	snprintf(tmp, sizeof(tmp), "/tmp/%s", tag);
	failed += try_open(tmp, O_WRONLY | O_CREAT); /* its own /tmp: allowed, and gone after */
	failed += try_open(etc, O_WRONLY | O_CREAT);
	failed += try_open(root, O_WRONLY | O_CREAT);
	failed += try_open("/etc/shadow", O_RDONLY);
	return failed ? 1 : 0;
}

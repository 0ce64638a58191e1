/* daemon - leave a setsid child behind, then end well. */
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	pid_t pid = fork();

	if (pid == 0) {
		setsid();
		if (fork() == 0) {
			char *args[] = { "sleep", argc > 1 && argv[1][0] != '-' ? argv[1] : "43", NULL };
			execvp("sleep", args);
		}
		_exit(0);
	}
	sleep(1);
	printf("{\"call\":\"daemon\",\"ok\":true}\n");
	return 0;
}

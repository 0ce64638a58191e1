/* fork_bomb - fork without end; every child forks too. Counts refusals. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	long refused = 0;

	for (int i = 0; i < 5000; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			sleep(30);
			_exit(0);
		}
		if (pid < 0)
			refused++;
	}
	fprintf(stderr, "fork_bomb: fork refused %ld times (%s)\n", refused, strerror(EAGAIN));
	return refused ? 1 : 0;
}

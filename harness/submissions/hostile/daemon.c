/*
 * A hostile submission for the class test: leaves a detached process
 * behind (double fork, setsid) that would keep the lab alive, then exits.
 */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		setsid();
		if (fork() == 0) {
			execlp("sleep", "sleep", "97.25", (char *)NULL);
			_exit(1);
		}
		_exit(0);
	}
	sleep(1);
	return 0;
}

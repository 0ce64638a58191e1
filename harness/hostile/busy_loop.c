/* busy_loop - spin for ever, deaf to SIGTERM and SIGXCPU. */
#include <signal.h>

int main(void)
{
	volatile unsigned long n = 0;

	signal(SIGTERM, SIG_IGN);
	signal(SIGXCPU, SIG_IGN);
	for (;;)
		n++;
}

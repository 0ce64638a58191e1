/* A hostile submission for the class test: burns the CPU, never listens. */
int main(void)
{
	for (volatile unsigned long i = 0;; i++)
		;
}

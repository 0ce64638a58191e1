/* flood - print events without end (or, with "junk", long lines that are no
 * events; with "nonl", one endless line without a newline). */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	int junk = argc > 1 && !strcmp(argv[1], "junk");
	int nonl = argc > 1 && !strcmp(argv[1], "nonl");
	char line[1024];

	memset(line, 'x', sizeof(line) - 2);
	line[sizeof(line) - 2] = nonl ? 'x' : '\n';
	line[sizeof(line) - 1] = '\0';
	for (unsigned long n = 0;; n++)
		if (junk || nonl)
			fputs(line, stdout);
		else
			printf("{\"call\":\"send\",\"ok\":true,\"fd\":3,\"bytes\":%lu}\n", n);
}

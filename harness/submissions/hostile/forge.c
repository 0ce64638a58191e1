/*
 * A hostile submission for the class test: prints lines shaped like the
 * lab clients' events, hoping to be counted as served clients.
 */
#include <stdio.h>

int main(void)
{
	for (int i = 0; i < 20; i++) {
		printf("{\"call\":\"echo\",\"matched\":1,\"role\":\"from-a\"}\n");
		printf("{\"call\":\"socket-table\",\"state\":\"LISTEN\",\"local\":\"0.0.0.0:8080\","
		       "\"role\":\"listeners\"}\n");
	}
	return 0;
}

/*
 * bare_loop.c - the yardstick for `portlab flows`: read a capture with
 * pcap_next_ex and look at each frame's Ethernet, IPv4 and TCP headers,
 * nothing more. bench.py compiles it and times it next to portlab.
 *
 *   cc -O2 -o bare_loop bench/bare_loop.c -lpcap
 *   ./bare_loop FILE    prints the packets and the TCP SYNs it saw
 */
#define _DEFAULT_SOURCE	/* u_char, which pcap.h uses, under -std=c11 */
#include <pcap/pcap.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	unsigned long packets = 0, syns = 0;
	pcap_t *p;

	if (argc != 2 || !(p = pcap_open_offline(argv[1], err))) {
		fprintf(stderr, "usage: bare_loop FILE (%s)\n", argc == 2 ? err : "");
		return 2;
	}
	while (pcap_next_ex(p, &h, &d) == 1) {
		packets++;
		/* Ethernet, IPv4, TCP: the SYN flag, when the frame holds it */
		if (h->caplen >= 14 + 20 + 14 && d[12] == 0x08 && d[13] == 0x00 && d[23] == 6) {
			unsigned ihl = (d[14] & 0x0f) * 4u;

			if (h->caplen >= 14 + ihl + 14u && (d[14 + ihl + 13] & 0x02))
				syns++;
		}
	}
	printf("%lu packets, %lu SYNs\n", packets, syns);
	pcap_close(p);
	return 0;
}

/*
 * cmd_capture.c - portlab capture: a live pcapng stream of one interface of
 * a lab that is up, on stdout, for Wireshark (wireshark -k -i -) or tshark.
 * The lab's own captures go on as before; this is one more reader.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "enter.h"
#include "pcapng.h"
#include "util.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* stream - every packet of P to stdout as it comes, until a signal or a closed pipe. */
static int stream(pcap_t *p, const char *name)
{
	struct pcap_pkthdr *h;
	const u_char *data;

	if (pcapng_put_section(stdout) < 0 ||
	    pcapng_put_interface(stdout, pcap_datalink(p), pcap_snapshot(p), name) < 0 || fflush(stdout))
		return EXIT_FAIL;
	while (!stop) {
		int rc = pcap_next_ex(p, &h, &data);
		if (rc == 0)
			continue; /* the timeout: look at stop */
		if (rc < 0)
			break;
		if (pcapng_put_packet(stdout, 0, h, data) < 0 || fflush(stdout) != 0)
			return stop ? EXIT_PASS : EXIT_FAIL; /* the reader went away */
	}
	return EXIT_PASS;
}

int cmd_capture(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE] = "";
	struct nested_run run;

	if (argc != 3 || !strchr(argv[2], ':')) {
		fputs("usage: portlab capture NAME HOST:IFACE\n"
		      "Writes a live pcapng stream of IFACE in HOST of the lab up as NAME to\n"
		      "stdout: portlab capture NAME router:eth1 | wireshark -k -i -\n",
		      argc == 2 && !strcmp(argv[1], "--help") ? stdout : stderr);
		return argc == 2 && !strcmp(argv[1], "--help") ? EXIT_PASS : EXIT_USAGE;
	}
	if (isatty(STDOUT_FILENO)) {
		pl_warn("capture writes pcapng, not text: pipe it (| wireshark -k -i -, | tshark -r -)");
		return EXIT_USAGE;
	}
	char host[64];
	const char *iface = strchr(argv[2], ':') + 1;
	snprintf(host, sizeof(host), "%.*s", (int)(iface - argv[2] - 1), argv[2]);
	if (enter_host(argv[1], host, &run) < 0)
		return EXIT_USAGE;
	free_strings(run.hosts, run.nhosts);
	pcap_t *p = pcap_create(iface, err);
	if (!p || pcap_set_snaplen(p, 1514) || pcap_set_immediate_mode(p, 1) ||
	    pcap_set_timeout(p, 100) || pcap_activate(p) < 0) {
		pl_warn("capture %s: %s", argv[2], p ? pcap_geterr(p) : err);
		if (p)
			pcap_close(p);
		return EXIT_ENV;
	}
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	int status = stream(p, argv[2]);
	pcap_close(p);
	return status;
}

/*
 * pcapread.c - stream a pcap or pcapng file into a flow table (see flows.h).
 *
 * libpcap reads both formats one record at a time, so memory stays flat
 * however long the capture. The file is opened here rather than by
 * pcap_open_offline so that "cannot open" carries errno's words and the
 * path appears once in every message.
 */
#include "flows.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "decode.h"

/* open_capture - a pcap handle reading PATH, or NULL with ERR set. */
static pcap_t *open_capture(const char *path, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct stat st;
	FILE *fp;
	pcap_t *pc;

	fp = fopen(path, "rb");
	if (!fp) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: %s", path, strerror(EISDIR));
		fclose(fp);
		return NULL;
	}
	if (fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0) {
		snprintf(err, errlen, "%s: empty file, not a pcap or pcapng capture", path);
		fclose(fp);
		return NULL;
	}
	/* nanoseconds: the finest a pcapng file can hold, scaled down otherwise */
	pc = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (!pc) {
		if (strstr(ebuf, "unknown file format"))
			snprintf(err, errlen, "%s: not a pcap or pcapng capture", path);
		else
			snprintf(err, errlen, "%s: %s", path, ebuf);
		fclose(fp);   /* libpcap leaves the stream to us when it fails */
		return NULL;
	}
	return pc;
}

int flows_read_pcap(struct flow_table *ft, const char *path, char *err, size_t errlen)
{
	struct pcap_pkthdr *hdr;
	const u_char *data;
	pcap_t *pc;
	int dlt, rc, ret = 0;

	if (errlen)
		err[0] = '\0';
	pc = open_capture(path, err, errlen);
	if (!pc)
		return -1;
	dlt = pcap_datalink(pc);
	if (!decode_dlt_supported(dlt)) {
		const char *name = pcap_datalink_val_to_name(dlt);

		snprintf(err, errlen, "%s: link type %s (%d) is not supported", path,
			 name ? name : "unknown", dlt);
		pcap_close(pc);
		return -1;
	}
	while ((rc = pcap_next_ex(pc, &hdr, &data)) == 1) {
		double ts = (double)hdr->ts.tv_sec + (double)hdr->ts.tv_usec / 1e9;

		flow_table_packet(ft, ts, data, hdr->caplen, hdr->len, dlt);
	}
	if (rc == PCAP_ERROR) {
		/* a record cut short or damaged: what came before it stands */
		snprintf(err, errlen, "%s: %s", path, pcap_geterr(pc));
		ret = 1;
	}
	pcap_close(pc);
	return ret;
}

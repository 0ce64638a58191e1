/*
 * pcapread.c - stream a pcap or pcapng capture into flow tables (see flows.h):
 * one for the whole file, or one per interface of a pcapng file.
 *
 * capsrc.c reads one record at a time, so memory stays flat however long
 * the capture; only the flow tables grow, with the connections.
 */
#include "flows.h"

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsrc.h"
#include "decode.h"
#include "util.h"

/* dlt_error - say in ERR that interface I of S (in PATH) has a link type we cannot read. */
static void dlt_error(const struct capsrc *s, size_t i, const char *path, char *err, size_t errlen)
{
	int dlt = capsrc_iface_dlt(s, i);
	const char *name = pcap_datalink_val_to_name(dlt);
	const char *ifname = capsrc_iface_name(s, i);

	if (ifname)
		snprintf(err, errlen, "%s: interface %s: link type %s (%d) is not supported", path,
			 ifname, name ? name : "unknown", dlt);
	else
		snprintf(err, errlen, "%s: link type %s (%d) is not supported", path,
			 name ? name : "unknown", dlt);
}

/*
 * read_all - every packet of PATH into the table TABLE(CTX, I, NAME) of its
 * interface I (called NAME, or NULL). Returns as flows_read_pcap.
 */
static int read_all(const char *path, struct flow_table *(*table)(void *ctx, size_t i,
		    const char *name), void *ctx, char *err, size_t errlen)
{
	struct capsrc *s = capsrc_open(path, err, errlen);
	size_t nchecked = 0;
	struct cap_pkt p;
	int rc;

	if (!s)
		return -1;
	while ((rc = capsrc_next(s, &p)) == 1) {
		/* each interface's link type, once, when its first packet comes */
		for (; nchecked <= p.iface; nchecked++)
			if (!decode_dlt_supported(capsrc_iface_dlt(s, nchecked))) {
				dlt_error(s, nchecked, path, err, errlen);
				capsrc_close(s);
				return -1;
			}
		flow_table_packet(table(ctx, p.iface, capsrc_iface_name(s, p.iface)), p.ts,
				  p.data, p.caplen, p.len, capsrc_iface_dlt(s, p.iface));
	}
	/* a pcap file's link type is known before its first packet: check it even when empty */
	if (rc == 0 && !capsrc_is_pcapng(s) && !decode_dlt_supported(capsrc_iface_dlt(s, 0))) {
		dlt_error(s, 0, path, err, errlen);
		capsrc_close(s);
		return -1;
	}
	if (rc < 0)   /* a record cut short or damaged: what came before it stands */
		snprintf(err, errlen, "%s: %s", path, capsrc_error(s));
	capsrc_close(s);
	return rc < 0 ? 1 : 0;
}

/* the_table - flows_read_pcap's one table for every interface. */
static struct flow_table *the_table(void *ctx, size_t i, const char *name)
{
	(void)i;
	(void)name;
	return ctx;
}

int flows_read_pcap(struct flow_table *ft, const char *path, char *err, size_t errlen)
{
	if (errlen)
		err[0] = '\0';
	return read_all(path, the_table, ft, err, errlen);
}

struct iface_list {
	struct iface_flows *ifs;
	size_t n;
};

/* iface_table - interface I's table, made (with NAME) when first needed. */
static struct flow_table *iface_table(void *ctx, size_t i, const char *name)
{
	struct iface_list *l = ctx;

	if (i >= l->n) {
		l->ifs = xrealloc(l->ifs, (i + 1) * sizeof(*l->ifs));
		memset(l->ifs + l->n, 0, (i + 1 - l->n) * sizeof(*l->ifs));
		l->n = i + 1;
	}
	if (!l->ifs[i].ft) {
		l->ifs[i].ft = flow_table_new();
		l->ifs[i].name = name ? xstrdup(name) : NULL;
		l->ifs[i].index = i;
	}
	return l->ifs[i].ft;
}

int flows_read_ifaces(const char *path, struct iface_flows **ifs, size_t *n,
		      char *err, size_t errlen)
{
	struct iface_list l = { NULL, 0 };
	size_t kept = 0;
	int rc;

	if (errlen)
		err[0] = '\0';
	rc = read_all(path, iface_table, &l, err, errlen);
	/* interfaces without a packet have no table: leave them out */
	for (size_t i = 0; i < l.n; i++)
		if (l.ifs[i].ft)
			l.ifs[kept++] = l.ifs[i];
	if (rc >= 0 && kept == 0) {   /* no packet at all: one empty table */
		l.ifs = xrealloc(l.ifs, sizeof(*l.ifs));
		l.ifs[0].ft = flow_table_new();
		l.ifs[0].name = NULL;
		kept = 1;
	}
	*ifs = l.ifs;
	*n = kept;
	return rc;
}

void iface_flows_free(struct iface_flows *ifs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		flow_table_free(ifs[i].ft);
		free(ifs[i].name);
	}
	free(ifs);
}

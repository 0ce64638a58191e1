/*
 * flows.h - packets in, connections out.
 *
 * Every TCP connection and UDP flow seen in a capture, keyed by its
 * four-tuple and, for TCP, the originator's initial sequence number, so that
 * a four-tuple reused for a new connection stays two flows. Fields and
 * connection states follow zeek's conn.log.
 */
#ifndef PORTLAB_FLOWS_H
#define PORTLAB_FLOWS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct json;
struct record;

struct pl_addr {
	uint8_t family; /* AF_INET (a[0..3]) or AF_INET6 */
	uint8_t a[16];
};

struct flow {
	uint8_t proto;            /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6 */
	struct pl_addr orig_h, resp_h;
	uint16_t orig_p, resp_p;  /* ICMP: type and code */
	double ts, last_ts;       /* first and last packet, seconds since the epoch */
	uint64_t orig_pkts, resp_pkts;
	uint64_t orig_bytes, resp_bytes;       /* payload bytes */
	uint64_t orig_ip_bytes, resp_ip_bytes; /* IP datagram bytes */
	unsigned syn_count;       /* SYNs sent by orig: 1 + retransmissions */
	char history[32];         /* zeek history letters, e.g. "ShADadFf" */
	const char *conn_state;   /* zeek conn_state: S0 S1 SF REJ S2 S3 RSTO RSTR RSTOS0 RSTRH SH SHR OTH */
	const char *icmp;         /* ICMP error quoting this flow ("port-unreachable", ...) or NULL */
	uint32_t isn;             /* orig's SYN sequence number (TCP) */
};

struct decode_stats {
	uint64_t packets;   /* records read */
	uint64_t decoded;   /* IPv4/IPv6 packets that reached a flow */
	uint64_t truncated; /* cut short: by the snaplen or a damaged record */
	uint64_t malformed; /* impossible header fields */
	uint64_t other;     /* ARP, ND and other traffic that is not a flow */
};

struct flow_table;

struct flow_table *flow_table_new(void);
void flow_table_free(struct flow_table *ft);

/* flow_table_packet - account one captured frame of link type DLT. */
void flow_table_packet(struct flow_table *ft, double ts, const uint8_t *data,
		       uint32_t caplen, uint32_t wirelen, int dlt);
/* flow_table_finish - settle every flow's conn_state; call once after the last packet. */
void flow_table_finish(struct flow_table *ft);

size_t flow_table_size(const struct flow_table *ft);
/* flow_table_at - flow I in order of first packet. */
const struct flow *flow_table_at(const struct flow_table *ft, size_t i);
/*
 * flow_table_forget - free the flows before flow I, once read in order
 * (flow_table_finish done): a big capture's table and its records need not
 * be held both at once. flow_table_at must not be asked for them again.
 */
void flow_table_forget(struct flow_table *ft, size_t i);
const struct decode_stats *flow_table_stats(const struct flow_table *ft);

/*
 * flows_read_pcap - stream the pcap or pcapng file PATH ("-": standard
 * input) into FT, every interface together.
 * Returns 0, 1 when the file ended in the middle of a record (what came
 * before is kept), or -1 when it cannot be read; ERR then says why,
 * "PATH: <reason>".
 */
int flows_read_pcap(struct flow_table *ft, const char *path, char *err, size_t errlen);

/* One interface's flows, from a capture that may hold several (pcapng). */
struct iface_flows {
	char *name;              /* pcapng if_name, or NULL (a pcap file, an unnamed interface) */
	size_t index;            /* the interface's number in the file (pcapng interface id) */
	struct flow_table *ft;
};

/*
 * flows_read_ifaces - stream the capture PATH ("-": standard input) into one
 * flow table per interface that carries packets, in *IFS (*N of them, at
 * least one; free with iface_flows_free). Returns as flows_read_pcap; the
 * tables are there also when it returns 1.
 */
int flows_read_ifaces(const char *path, struct iface_flows **ifs, size_t *n,
		      char *err, size_t errlen);
void iface_flows_free(struct iface_flows *ifs, size_t n);

/* pl_addr_str - the address in its usual text form. */
const char *pl_addr_str(const struct pl_addr *a, char *buf, size_t len);
/* format_count - V in decimal into BUF of LEN bytes (flowfields.c). */
void format_count(char *buf, size_t len, unsigned long long v);
/* flow_tuple_str - "198.51.100.5:40001 -> 203.0.113.80:443" ([v6]:port for IPv6). */
const char *flow_tuple_str(const struct flow *f, char *buf, size_t len);
/* flow_proto_str - "tcp", "udp", "icmp", "icmp6". */
const char *flow_proto_str(const struct flow *f);

/* flows_print_table - an aligned table of FT for people, under TITLE. */
void flows_print_table(FILE *out, const struct flow_table *ft, const char *title);
/*
 * flows_print_records - the same table for the first SHOWN of the flow
 * records FLOWS (flowfields.h), each line after INDENT; nothing when SHOWN is 0.
 */
void flows_print_records(FILE *out, const struct record *flows, size_t shown, const char *indent);

#endif

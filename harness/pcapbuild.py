"""Hand-built packets and capture files for the parser tests.

Every packet is put together byte by byte with struct, so a test says
exactly what is on the wire and needs no root, no lab and no third-party
packet library. Checksums are filled in so that tcpdump and tshark read the
files as they would read a real capture.

    cap = Capture()
    cap.add(0.0, eth(ip4("198.51.100.5", "203.0.113.80", TCP,
                         tcp(40001, 443, seq=1000, flags="S"))))
    cap.write(path)                 # classic pcap, Ethernet
    cap.write(path, pcapng=True)    # the same records as pcapng
"""
import ipaddress
import struct

TCP, UDP, ICMP, ICMP6 = 6, 17, 1, 58
HOPOPTS, FRAGMENT = 0, 44

LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_LINUX_SLL = 113
LINKTYPE_LINUX_SLL2 = 276

MAC_CLIENT = bytes.fromhex("020000000001")
MAC_SERVER = bytes.fromhex("020000000002")

_FLAG_BITS = {"F": 0x01, "S": 0x02, "R": 0x04, "P": 0x08, "A": 0x10, "U": 0x20}


def checksum(data):
    """The Internet checksum (RFC 1071) of DATA."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def _addr(a):
    return ipaddress.ip_address(a).packed


def _pseudo(src, dst, proto, length):
    s, d = _addr(src), _addr(dst)
    if len(s) == 4:
        return s + d + struct.pack("!BBH", 0, proto, length)
    return s + d + struct.pack("!IxxxB", length, proto)


class L4:
    """A transport segment whose checksum is filled in once the IP addresses are known."""

    def __init__(self, proto, data, csum_at):
        self.proto, self.data, self.csum_at = proto, data, csum_at

    def finish(self, src, dst):
        if self.csum_at is None:
            return self.data
        d = bytearray(self.data)
        d[self.csum_at:self.csum_at + 2] = b"\0\0"
        if self.proto == ICMP:
            c = checksum(bytes(d))
        else:
            c = checksum(_pseudo(src, dst, self.proto, len(d)) + bytes(d))
            if self.proto == UDP and c == 0:
                c = 0xffff
        d[self.csum_at:self.csum_at + 2] = struct.pack("!H", c)
        return bytes(d)


def tcp(sport, dport, seq=0, ack=0, flags="", payload=b"", win=64240,
        options=b"", data_offset=None):
    """A TCP segment; FLAGS like tcpdump's "S", "S.", "P.", "F.", "R." (. = ACK)."""
    bits = 0
    for ch in flags:
        bits |= _FLAG_BITS["A" if ch == "." else ch]
    if len(options) % 4:
        options += b"\1" * (4 - len(options) % 4)
    off = data_offset if data_offset is not None else (20 + len(options)) // 4
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff, ack & 0xffffffff,
                      off << 4, bits, win, 0, 0) + options
    return L4(TCP, hdr + payload, 16)


def udp(sport, dport, payload=b""):
    """A UDP datagram."""
    return L4(UDP, struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload, 6)


def icmp(type_, code, rest=b"\0\0\0\0", body=b""):
    """An ICMPv4 message: type, code, checksum, REST (4 bytes), BODY."""
    return L4(ICMP, struct.pack("!BBH", type_, code, 0) + rest + body, 2)


def icmp6(type_, code, rest=b"\0\0\0\0", body=b""):
    """An ICMPv6 message (its checksum covers the IPv6 pseudo-header)."""
    return L4(ICMP6, struct.pack("!BBH", type_, code, 0) + rest + body, 2)


def echo(id_, seq, payload=b"", reply=False, v6=False):
    """An ICMP or ICMPv6 echo request (or reply)."""
    rest = struct.pack("!HH", id_, seq)
    if v6:
        return icmp6(129 if reply else 128, 0, rest, payload)
    return icmp(0 if reply else 8, 0, rest, payload)


def ip4(src, dst, proto, l4, ident=1, ttl=64, frag=0x4000, options=b"",
        ihl=None, total_len=None):
    """An IPv4 datagram carrying L4 (an L4 or raw bytes); FRAG = flags and offset field."""
    payload = l4.finish(src, dst) if isinstance(l4, L4) else l4
    if len(options) % 4:
        options += b"\0" * (4 - len(options) % 4)
    hl = ihl if ihl is not None else 5 + len(options) // 4
    tl = total_len if total_len is not None else 20 + len(options) + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | hl, 0, tl, ident, frag, ttl, proto, 0,
                      _addr(src), _addr(dst)) + options
    hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
    return hdr + payload


def ip6(src, dst, nh, l4, hlim=64, ext=b""):
    """An IPv6 packet: NH is the first next-header, EXT the extension headers before L4."""
    # the upper-layer checksum covers the upper layer only, not EXT
    payload = l4.finish(src, dst) if isinstance(l4, L4) else l4
    body = ext + payload
    return struct.pack("!IHBB16s16s", 6 << 28, len(body), nh, hlim,
                       _addr(src), _addr(dst)) + body


def hopopts(nh):
    """An 8-byte IPv6 hop-by-hop options header (one PadN option) before NH."""
    return struct.pack("!BB", nh, 0) + b"\x01\x04\0\0\0\0"


def eth(packet, ethertype=0x0800, vlans=(), src=MAC_CLIENT, dst=MAC_SERVER, pad_to=60):
    """An Ethernet frame; VLANS: (TPID, VID) tags in order; padded to the 60-byte minimum."""
    tags = b"".join(struct.pack("!HH", tpid, vid) for tpid, vid in vlans)
    if packet and ethertype == 0x0800 and packet[0] >> 4 == 6:
        ethertype = 0x86DD
    frame = dst + src + tags + struct.pack("!H", ethertype) + packet
    if len(frame) < pad_to:
        frame += b"\0" * (pad_to - len(frame))
    return frame


def sll(packet, proto=0x0800):
    """A Linux cooked (v1) header before PACKET."""
    return struct.pack("!HHH8sH", 0, 1, 6, MAC_CLIENT + b"\0\0", proto) + packet


def sll2(packet, proto=0x0800):
    """A Linux cooked v2 header before PACKET."""
    return struct.pack("!HHIHBB8s", proto, 0, 2, 1, 0, 6, MAC_CLIENT + b"\0\0") + packet


class Capture:
    """Records in order; written as classic pcap or as pcapng."""

    def __init__(self, linktype=LINKTYPE_ETHERNET, snaplen=262144):
        self.linktype, self.snaplen = linktype, snaplen
        self.records = []

    def add(self, ts, frame, caplen=None):
        """A frame seen at TS seconds; CAPLEN cuts what was captured of it."""
        cl = len(frame) if caplen is None else caplen
        self.records.append((ts, frame[:cl], len(frame)))
        return self

    def pcap_bytes(self):
        out = [struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, self.snaplen, self.linktype)]
        for ts, data, wire in self.records:
            t = int(round(ts * 1e6))
            sec, usec = divmod(t, 1000000)
            out.append(struct.pack("<IIII", sec, usec, len(data), wire) + data)
        return b"".join(out)

    def pcapng_bytes(self):
        def block(btype, body):
            body += b"\0" * (-len(body) % 4)
            n = 12 + len(body)
            return struct.pack("<II", btype, n) + body + struct.pack("<I", n)

        out = [block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)),
               block(0x00000001, struct.pack("<HHI", self.linktype, 0, self.snaplen))]
        for ts, data, wire in self.records:
            t = int(round(ts * 1e6))  # default resolution: microseconds
            out.append(block(0x00000006, struct.pack("<IIIII", 0, t >> 32, t & 0xffffffff,
                                                     len(data), wire) + data))
        return b"".join(out)

    def write(self, path, pcapng=False):
        with open(path, "wb") as f:
            f.write(self.pcapng_bytes() if pcapng else self.pcap_bytes())
        return str(path)


# ---------------------------------------------------------------------------
# The golden capture: a small lab's worth of traffic, one case per line of
# the expected table in golden/flows-basic.txt. Deterministic: same bytes
# every time, so the committed file can be checked against this code.

C4, S4 = "198.51.100.5", "203.0.113.80"
C6, S6 = "2001:db8::5", "2001:db8::80"


def golden_capture():
    cap = Capture()
    usec = 1700000000 * 1000000   # whole microseconds: no float drift

    def add(dt, pkt, **kw):
        nonlocal usec
        usec += int(round(dt * 1e6))
        cap.add(usec / 1e6, eth(pkt), **kw)

    # 1. a whole conversation: handshake, a request, a reply, FIN both ways
    # 198.51.100.5.40001 > 203.0.113.80.443: Flags [S], seq 1000, win 64240, length 0
    add(0.001, ip4(C4, S4, TCP, tcp(40001, 443, 1000, 0, "S")))
    # 203.0.113.80.443 > 198.51.100.5.40001: Flags [S.], seq 7000, ack 1001, length 0
    add(0.001, ip4(S4, C4, TCP, tcp(443, 40001, 7000, 1001, "S.")))
    # 198.51.100.5.40001 > 203.0.113.80.443: Flags [.], ack 7001, length 0
    add(0.001, ip4(C4, S4, TCP, tcp(40001, 443, 1001, 7001, ".")))
    # 198.51.100.5.40001 > 203.0.113.80.443: Flags [P.], seq 1001:1101, ack 7001, length 100
    add(0.001, ip4(C4, S4, TCP, tcp(40001, 443, 1001, 7001, "P.", b"q" * 100)))
    # 203.0.113.80.443 > 198.51.100.5.40001: Flags [P.], seq 7001:7301, ack 1101, length 300
    add(0.001, ip4(S4, C4, TCP, tcp(443, 40001, 7001, 1101, "P.", b"r" * 300)))
    # 198.51.100.5.40001 > 203.0.113.80.443: Flags [F.], seq 1101, ack 7301, length 0
    add(0.001, ip4(C4, S4, TCP, tcp(40001, 443, 1101, 7301, "F.")))
    # 203.0.113.80.443 > 198.51.100.5.40001: Flags [F.], seq 7301, ack 1102, length 0
    add(0.001, ip4(S4, C4, TCP, tcp(443, 40001, 7301, 1102, "F.")))
    # 198.51.100.5.40001 > 203.0.113.80.443: Flags [.], ack 7302, length 0
    add(0.001, ip4(C4, S4, TCP, tcp(40001, 443, 1102, 7302, ".")))

    # 2. refused: nothing listens on port 81
    # 198.51.100.5.40002 > 203.0.113.80.81: Flags [S], seq 2000, length 0
    add(0.001, ip4(C4, S4, TCP, tcp(40002, 81, 2000, 0, "S")))
    # 203.0.113.80.81 > 198.51.100.5.40002: Flags [R.], seq 0, ack 2001, length 0
    add(0.001, ip4(S4, C4, TCP, tcp(81, 40002, 0, 2001, "R.")))

    # 3. no answer at all, and two retransmissions of the same SYN
    # 198.51.100.5.40003 > 203.0.113.80.8080: Flags [S], seq 3000, length 0  (x3)
    for _ in range(3):
        add(1.0, ip4(C4, S4, TCP, tcp(40003, 8080, 3000, 0, "S")))

    # 4. a DNS-like exchange over UDP
    # 198.51.100.5.50000 > 203.0.113.80.53: UDP, length 30
    add(0.001, ip4(C4, S4, UDP, udp(50000, 53, b"d" * 30)))
    # 203.0.113.80.53 > 198.51.100.5.50000: UDP, length 46
    add(0.001, ip4(S4, C4, UDP, udp(53, 50000, b"e" * 46)))

    # 5. a datagram to a closed port, answered by ICMP port unreachable
    # 198.51.100.5.50001 > 203.0.113.80.9999: UDP, length 5
    probe = ip4(C4, S4, UDP, udp(50001, 9999, b"hello"), ident=77)
    add(0.001, probe)
    # 203.0.113.80 > 198.51.100.5: ICMP 203.0.113.80 udp port 9999 unreachable, length 41
    add(0.001, ip4(S4, C4, ICMP, icmp(3, 3, body=probe[:28])))

    # 6. IPv6: a connection the client aborts with RST
    # 2001:db8::5.40004 > 2001:db8::80.22: Flags [S], seq 4000, length 0
    add(0.001, ip6(C6, S6, TCP, tcp(40004, 22, 4000, 0, "S")))
    # 2001:db8::80.22 > 2001:db8::5.40004: Flags [S.], seq 9000, ack 4001, length 0
    add(0.001, ip6(S6, C6, TCP, tcp(22, 40004, 9000, 4001, "S.")))
    # 2001:db8::5.40004 > 2001:db8::80.22: Flags [.], ack 9001, length 0
    add(0.001, ip6(C6, S6, TCP, tcp(40004, 22, 4001, 9001, ".")))
    # 2001:db8::5.40004 > 2001:db8::80.22: Flags [R.], seq 4001, ack 9001, length 0
    add(0.001, ip6(C6, S6, TCP, tcp(40004, 22, 4001, 9001, "R.")))

    # 7. ping and its reply
    # 198.51.100.5 > 203.0.113.80: ICMP echo request, id 4242, seq 1, length 64
    add(0.001, ip4(C4, S4, ICMP, echo(4242, 1, b"p" * 56)))
    # 203.0.113.80 > 198.51.100.5: ICMP echo reply, id 4242, seq 1, length 64
    add(0.001, ip4(S4, C4, ICMP, echo(4242, 1, b"p" * 56, reply=True)))

    # 8. a four-tuple used twice: the server closes first, the client reuses its port
    # 198.51.100.5.40005 > 203.0.113.80.80: Flags [S], seq 5000, length 0
    add(0.001, ip4(C4, S4, TCP, tcp(40005, 80, 5000, 0, "S")))
    # 203.0.113.80.80 > 198.51.100.5.40005: Flags [S.], seq 8000, ack 5001, length 0
    add(0.001, ip4(S4, C4, TCP, tcp(80, 40005, 8000, 5001, "S.")))
    # 198.51.100.5.40005 > 203.0.113.80.80: Flags [.], ack 8001, length 0
    add(0.001, ip4(C4, S4, TCP, tcp(40005, 80, 5001, 8001, ".")))
    # 203.0.113.80.80 > 198.51.100.5.40005: Flags [F.], seq 8001, ack 5001, length 0
    add(0.001, ip4(S4, C4, TCP, tcp(80, 40005, 8001, 5001, "F.")))
    # 198.51.100.5.40005 > 203.0.113.80.80: Flags [F.], seq 5001, ack 8002, length 0
    add(0.001, ip4(C4, S4, TCP, tcp(40005, 80, 5001, 8002, "F.")))
    # 203.0.113.80.80 > 198.51.100.5.40005: Flags [.], ack 5002, length 0
    add(0.001, ip4(S4, C4, TCP, tcp(80, 40005, 8002, 5002, ".")))
    # 198.51.100.5.40005 > 203.0.113.80.80: Flags [S], seq 123456, length 0  (a new ISN)
    add(0.005, ip4(C4, S4, TCP, tcp(40005, 80, 123456, 0, "S")))
    # 203.0.113.80.80 > 198.51.100.5.40005: Flags [S.], seq 8888, ack 123457, length 0
    add(0.001, ip4(S4, C4, TCP, tcp(80, 40005, 8888, 123457, "S.")))
    # 198.51.100.5.40005 > 203.0.113.80.80: Flags [.], ack 8889, length 0
    add(0.001, ip4(C4, S4, TCP, tcp(40005, 80, 123457, 8889, ".")))

    # 9. two packets no flow can use: one cut inside its TCP header by the
    # snaplen, one whose IPv4 header length (IHL 4) is impossible
    # 198.51.100.5.40006 > 203.0.113.80.443: [|tcp]
    add(0.001, ip4(C4, S4, TCP, tcp(40006, 443, 6000, 0, "S")), caplen=14 + 20 + 10)
    # IP bad-hlen 16
    add(0.001, ip4(C4, S4, TCP, tcp(40007, 443, 7000, 0, "S"), ihl=4))
    return cap

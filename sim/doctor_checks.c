/*
 * doctor_checks.c - what `portlab doctor` looks at: privilege, the tools a
 * lab runs, the kernel's limits, and the extras the tests and the report
 * page use. Each check reads or runs something real; none changes anything
 * (the netem probe, which builds a namespace, is in doctor_netem.c).
 */
#include <linux/capability.h>
#include <pcap/pcap.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "doctor.h"
#include "netns.h"
#include "paths.h"
#include "util.h"

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* read_line - the first line of FILE into BUF (newline removed); false if unreadable. */
static bool read_line(const char *file, char *buf, size_t len)
{
	FILE *f = fopen(file, "r");
	bool ok = f && fgets(buf, (int)len, f);

	if (f)
		fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

/* tool_version - NAME's path (newly allocated, or NULL) and the first line of `NAME ARG` into OUT. */
static char *tool_version(const char *name, const char *arg, char *out, size_t len)
{
	char *path = find_program(name);

	out[0] = '\0';
	if (path) {
		char *argv[] = { path, (char *)arg, NULL };
		probe_output(argv, false, out, len);
		out[strcspn(out, "\n")] = '\0';
	}
	return path;
}

/* Both cmd_run.c and this ask the same question: may this process build namespaces and capture? */
void check_privileges(struct check *c)
{
	static const struct { int cap; const char *name; } need[] = {
		{ CAP_NET_ADMIN, "CAP_NET_ADMIN" }, { CAP_SYS_ADMIN, "CAP_SYS_ADMIN" },
		{ CAP_NET_RAW, "CAP_NET_RAW" },
	};
	unsigned long long eff = 0;
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	if (f)
		fclose(f);
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (!(eff & (1ULL << need[i].cap))) {
			check_set(c, CHECK_MISSING, "run portlab as root: sudo portlab run LAB",
				  "uid %d without %s (namespaces and captures need CAP_NET_ADMIN, "
				  "CAP_SYS_ADMIN, CAP_NET_RAW)", (int)geteuid(), need[i].name);
			return;
		}
	check_set(c, CHECK_OK, NULL, "uid %d with CAP_NET_ADMIN, CAP_SYS_ADMIN, CAP_NET_RAW",
		  (int)geteuid());
}

/* subuid_has - does /etc/subuid give USER a range? */
static bool subuid_has(const char *user)
{
	FILE *f = fopen("/etc/subuid", "r");
	char line[512];
	size_t n = strlen(user);
	bool found = false;

	while (f && !found && fgets(line, sizeof(line), f))
		found = !strncmp(line, user, n) && line[n] == ':';
	if (f)
		fclose(f);
	return found;
}

/* rootless labs (a user namespace around the lab) are planned: say whether this machine allows them */
void check_rootless(struct check *c)
{
	char v[64];
	const char *sudo_user = getenv("SUDO_USER");
	struct passwd *pw = getpwuid(getuid());
	const char *user = sudo_user ? sudo_user : pw ? pw->pw_name : NULL;
	char *uidmap = find_program("newuidmap"), *gidmap = find_program("newgidmap");

	if (read_line("/proc/sys/kernel/unprivileged_userns_clone", v, sizeof(v)) && !strcmp(v, "0"))
		check_set(c, CHECK_WARN, "sysctl kernel.unprivileged_userns_clone=1",
			  "unprivileged user namespaces are switched off");
	else if (read_line("/proc/sys/user/max_user_namespaces", v, sizeof(v)) && !strcmp(v, "0"))
		check_set(c, CHECK_WARN, "sysctl user.max_user_namespaces=15000",
			  "user.max_user_namespaces is 0");
	else if (read_line("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", v, sizeof(v)) &&
		 !strcmp(v, "1"))
		check_set(c, CHECK_WARN, "sysctl kernel.apparmor_restrict_unprivileged_userns=0, "
			  "or an AppArmor profile that allows userns for portlab",
			  "AppArmor restricts unprivileged user namespaces");
	else if (!uidmap || !gidmap)
		check_set(c, CHECK_WARN, "apt-get install uidmap",
			  "user namespaces allowed, but newuidmap/newgidmap are missing");
	else if (user && strcmp(user, "root") && !subuid_has(user))
		check_set(c, CHECK_WARN, "usermod --add-subuids 100000-165535 --add-subgids "
			  "100000-165535 USER", "/etc/subuid has no range for %s", user);
	else
		check_set(c, CHECK_OK, NULL, "user namespaces allowed, newuidmap and newgidmap "
			  "present (for rootless labs, planned)");
	free(uidmap);
	free(gidmap);
}

void check_labs(struct check *c)
{
	size_t n = 0;
	char **names = lab_names(&n);
	char *tool = xasprintf("%s/scenarios/tools/tcp_server", programs_dir());

	if (!names)
		check_set(c, CHECK_MISSING, "set PORTLAB_SCENARIOS=/path/to/scenarios, or reinstall "
			  "portlab", "no labs found (looked beside %s)", exe_dir());
	else if (access(tool, X_OK) != 0)
		check_set(c, CHECK_MISSING, "build them: make (in the source tree), or reinstall",
			  "%zu labs in %s, but their programs are not built (no %s)", n, labs_dir(), tool);
	else
		check_set(c, CHECK_OK, NULL, "%zu labs in %s, programs in %s/scenarios", n,
			  labs_dir(), programs_dir());
	free_strings(names, n);
	free(tool);
}

void check_libpcap(struct check *c)
{
	/* portlab is linked with it: if this runs, the library loaded */
	check_set(c, CHECK_OK, NULL, "%s", pcap_lib_version());
}

/* iproute2_at_least_5 - is the version in `ip -V` ("iproute2-6.1.0", or "iproute2-ss190107") 5.0 or later? */
static bool iproute2_at_least_5(const char *v)
{
	const char *p = strstr(v, "iproute2-");
	unsigned major = 0;

	if (!p)
		return false;
	p += strlen("iproute2-");
	if (sscanf(p, "ss%2u", &major) == 1) /* ssYYMMDD: 5.0 came out in 2019 */
		return major >= 19;
	return sscanf(p, "%u", &major) == 1 && major >= 5;
}

void check_iproute2(struct check *c)
{
	char v[256];
	char *ip = tool_version("ip", "-V", v, sizeof(v));
	char *tc = find_program("tc");

	if (!ip)
		check_set(c, CHECK_MISSING, "apt-get install iproute2", "no ip command");
	else if (!iproute2_at_least_5(v))
		check_set(c, CHECK_WARN, "install iproute2 5.0 or later", "%s: '%s' (portlab is "
			  "tested with 6.1)", ip, v);
	else
		check_set(c, CHECK_OK, NULL, "%s: %s%s", ip, v, tc ? "" : " (no tc: netem cannot be used)");
	free(ip);
	free(tc);
}

void check_nftables(struct check *c)
{
	char v[256];
	char *nft = tool_version("nft", "--version", v, sizeof(v));

	if (nft)
		check_set(c, CHECK_OK, NULL, "%s: %s", nft, v);
	else
		check_set(c, CHECK_MISSING, "apt-get install nftables",
			  "no nft command (labs with 'nft' lines load their rules with it)");
	free(nft);
}

/* cgroup_v2_has - does the cgroup2 root at /sys/fs/cgroup enable both pids and memory? */
static bool cgroup_v2_has(const char *controllers)
{
	char list[512];
	snprintf(list, sizeof(list), " %s ", controllers);
	return strstr(list, " pids ") && strstr(list, " memory ");
}

void check_cgroups(struct check *c)
{
	char ctl[448];
	const char *fix = "mount the cgroup controllers pids and memory (systemd does on boot)";

	if (read_line("/sys/fs/cgroup/cgroup.controllers", ctl, sizeof(ctl))) {
		if (cgroup_v2_has(ctl))
			check_set(c, CHECK_OK, NULL, "cgroup v2 with %s", ctl);
		else
			check_set(c, CHECK_WARN, fix, "cgroup v2 without pids or memory: '%s' "
				  "(limits on lab programs need them)", ctl);
	} else if (is_dir("/sys/fs/cgroup/pids") && is_dir("/sys/fs/cgroup/memory")) {
		check_set(c, CHECK_OK, NULL, "cgroup v1 with pids and memory");
	} else {
		check_set(c, CHECK_WARN, fix, "no cgroup pids and memory controllers "
			  "(limits on lab programs need them)");
	}
}

void check_open_files(struct check *c)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
		check_set(c, CHECK_WARN, NULL, "getrlimit: %s", strerror(errno));
		return;
	}
	/* the parallel lab at n=10000 holds about 10,000 sockets in one program */
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < 16384)
		check_set(c, CHECK_WARN, "raise the hard limit: LimitNOFILE= (systemd) or nofile in "
			  "/etc/security/limits.conf", "hard limit %llu (the parallel lab at "
			  "--param n=10000 needs about 10,500)", (unsigned long long)rl.rlim_max);
	else
		check_set(c, CHECK_OK, NULL, "hard limit %llu, soft %llu",
			  (unsigned long long)rl.rlim_max, (unsigned long long)rl.rlim_cur);
}

void check_run_netns(struct check *c)
{
	const char *fix = "run portlab as root";

	if (is_dir(NETNS_DIR)) {
		if (access(NETNS_DIR, W_OK) == 0)
			check_set(c, CHECK_OK, NULL, NETNS_DIR " is writable");
		else
			check_set(c, CHECK_MISSING, fix, NETNS_DIR " is not writable: %s", strerror(errno));
	} else if (access("/run", W_OK) == 0) {
		check_set(c, CHECK_OK, NULL, NETNS_DIR " absent; ip creates it in /run (writable)");
	} else {
		check_set(c, CHECK_MISSING, fix, "no " NETNS_DIR ", and /run is not writable: %s",
			  strerror(errno));
	}
}

/* check_tool - OK with NAME's version, or WARN with FIX and WHY. */
static void check_tool(struct check *c, const char *name, const char *fix, const char *why)
{
	char v[256];
	char *path = tool_version(name, "--version", v, sizeof(v));

	if (path)
		check_set(c, CHECK_OK, NULL, "%s: %s", path, v);
	else
		check_set(c, CHECK_WARN, fix, "no %s (%s)", name, why);
	free(path);
}

void check_tshark(struct check *c)
{
	check_tool(c, "tshark", "apt-get install tshark", "the tests read captures with it");
}

void check_tcpdump(struct check *c)
{
	check_tool(c, "tcpdump", "apt-get install tcpdump", "the tests use it");
}

void check_browser(struct check *c)
{
	static const char *const names[] = { "chromium", "chromium-headless-shell",
		"chromium-browser", "google-chrome", "google-chrome-stable" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *path = find_program(names[i]);
		if (path) {
			check_set(c, CHECK_OK, NULL, "%s", path);
			free(path);
			return;
		}
	}
	check_set(c, CHECK_WARN, "apt-get install chromium",
		  "no chromium or chromium-headless-shell (to show or print the report page)");
}

void check_compiler(struct check *c)
{
	char v[256];
	char *cc = tool_version("cc", "--version", v, sizeof(v));

	if (!cc)
		cc = tool_version("gcc", "--version", v, sizeof(v));
	if (!cc)
		check_set(c, CHECK_WARN, "apt-get install gcc libc6-dev",
			  "no C compiler (to build students' programs for --use)");
	else if (access("/usr/include/stdio.h", R_OK) != 0)
		check_set(c, CHECK_WARN, "apt-get install libc6-dev", "%s, but no C headers "
			  "(/usr/include/stdio.h)", cc);
	else
		check_set(c, CHECK_OK, NULL, "%s: %s", cc, v);
	free(cc);
}

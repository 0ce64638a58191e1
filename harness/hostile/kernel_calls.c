/*
 * kernel_calls - ask the kernel for what a lab program never needs: another
 * process's memory, a trace, BPF, perf events, keys, modules, reboot, swap.
 * Prints "NAME: <error>" for each refusal, "NAME: allowed" otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

static void say(const char *name, long rc)
{
	fprintf(stderr, "%s: %s\n", name, rc < 0 ? strerror(errno) : "allowed");
}

int main(void)
{
	char buf[16], here[16] = "secret";
	struct iovec local = { buf, sizeof(buf) }, remote = { here, sizeof(here) };

	say("process_vm_readv", syscall(SYS_process_vm_readv, (long)getpid(), &local, 1L, &remote, 1L, 0L));
	say("ptrace", syscall(SYS_ptrace, 0L /* PTRACE_TRACEME */, 0L, 0L, 0L));
	say("bpf", syscall(SYS_bpf, 0L, NULL, 0L));
	say("perf_event_open", syscall(SYS_perf_event_open, NULL, 0L, -1L, -1L, 0L));
	say("keyctl", syscall(SYS_keyctl, 0L, 0L, 0L, 0L, 0L));
	say("finit_module", syscall(SYS_finit_module, 0L, "", 0L));
	say("reboot", syscall(SYS_reboot, 0L, 0L, 0L, NULL));
	say("swapoff", syscall(SYS_swapoff, "/nonexistent"));
	return 1;
}

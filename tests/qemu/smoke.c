/* smoke.c — tiny self-contained check for the qemu kernel harness.
 *
 * Build:  gcc -static -O2 -o build/qemu/smoke tests/qemu/smoke.c
 * Run:    tests/qemu/run-kernel.sh build/qemu/smoke [--expect BYTES]
 *
 * Prints the running kernel release and the possible-CPU mask, creates a
 * BPF_MAP_TYPE_HASH (key 8, value 1, max_entries 32768) once preallocated
 * and once with BPF_F_NO_PREALLOC, and prints the fdinfo "memlock:" line of
 * each.  A case passes when the map can be created (and, with --expect
 * BYTES, when its memlock equals BYTES).  Exit status: number of failures.
 *
 * Uses the raw bpf(2) syscall and <linux/bpf.h> only; no libbpf.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

static int sys_bpf(int cmd, union bpf_attr *attr, unsigned int size)
{
	return (int)syscall(__NR_bpf, cmd, attr, size);
}

/* Copy the fdinfo line starting with `key` (without the newline) into out.
 * Returns 0 on success, -1 if the file or the key is missing. */
static int fdinfo_line(int fd, const char *key, char *out, size_t outsz)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	FILE *f;
	int rc = -1;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) == 0) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(out, outsz, "%s", line);
			rc = 0;
			break;
		}
	}
	fclose(f);
	return rc;
}

static void print_file(const char *label, const char *path)
{
	char buf[256] = "";
	FILE *f = fopen(path, "r");

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
		buf[strcspn(buf, "\n")] = '\0';
		printf("smoke: %s: %s\n", label, buf);
	} else {
		printf("smoke: %s: unavailable (%s: %s)\n", label, path, strerror(errno));
	}
}

static int run_case(const char *name, __u32 flags, long long expect)
{
	union bpf_attr attr;
	char line[256];
	long long memlock = -1;
	int fd, ok;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_HASH;
	attr.key_size = 8;
	attr.value_size = 1;
	attr.max_entries = 32768;
	attr.map_flags = flags;

	fd = sys_bpf(BPF_MAP_CREATE, &attr, sizeof(attr));
	if (fd < 0) {
		printf("smoke: FAIL %s: BPF_MAP_CREATE: %s\n", name, strerror(errno));
		return 0;
	}
	if (fdinfo_line(fd, "memlock:", line, sizeof(line)) == 0) {
		printf("smoke: %s: %s\n", name, line);
		memlock = strtoll(line + strlen("memlock:"), NULL, 10);
	} else {
		printf("smoke: %s: no memlock line in /proc/self/fdinfo/%d\n", name, fd);
	}
	ok = expect < 0 || memlock == expect;
	if (expect >= 0)
		printf("smoke: %s %s: memlock %lld, expected %lld\n",
		       ok ? "PASS" : "FAIL", name, memlock, expect);
	else
		printf("smoke: PASS %s: created (fd %d)\n", name, fd);
	close(fd);
	return ok;
}

int main(int argc, char **argv)
{
	struct utsname u;
	long long expect = -1;
	int passed = 0, failed = 0;

	for (int i = 1; i < argc; i++) {
		printf("smoke: argv[%d] = '%s'\n", i, argv[i]);
		if (strcmp(argv[i], "--expect") == 0 && i + 1 < argc) {
			expect = strtoll(argv[i + 1], NULL, 0);
			printf("smoke: argv[%d] = '%s'\n", i + 1, argv[i + 1]);
			i++;
		}
	}

	if (uname(&u) == 0)
		printf("smoke: uname -r: %s\n", u.release);
	print_file("possible cpus", "/sys/devices/system/cpu/possible");
	printf("smoke: /sys/kernel/btf/vmlinux: %s\n",
	       access("/sys/kernel/btf/vmlinux", R_OK) == 0 ? "present" : "missing");

	if (run_case("hash prealloc", 0, expect))
		passed++;
	else
		failed++;
	if (run_case("hash no_prealloc", BPF_F_NO_PREALLOC, expect))
		passed++;
	else
		failed++;

	printf("smoke: %d passed, %d failed\n", passed, failed);
	return failed;
}

// SPDX-License-Identifier: GPL-2.0
/* prec kernel side: one record per successful exec, failed exec and thread-group exit, with
 * everything user space needs captured here (argv, cwd, exe, parent, tty, cgroup), because a
 * short-lived program is gone before user space could look it up in /proc. Record layouts are
 * in prec.h. */
#include "kernel.h"
#include "prec.h"
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

#define PF_FORKNOEXEC 0x00000040 /* forked but did not exec: user space never saw a start */
#define AT_FDCWD -100
#define AT_EMPTY_PATH 0x1000
#define DATA_MASK (PREC_DATA_SIZE - 1)

/* Records are built in a per-CPU scratch area and copied into the ring buffer with their used
 * length. A plain array indexed by CPU (max_entries set to the number of possible CPUs by user
 * space) because per-CPU arrays cap values at 32 KiB. Tracing programs do not nest on a CPU. */
struct scratch {
	struct prec_task hdr;
	__u8 data[PREC_DATA_SIZE + PREC_DATA_SLACK];
	/* Write offset into data. Kept in the map value rather than a register on purpose: a value
	 * loaded from memory is an imprecise scalar to the verifier, so loop iterations that wrote
	 * different lengths still prune against each other (a register offset made the path walks
	 * blow the 1M-instruction verification budget). Every use is masked with DATA_MASK. */
	__u32 pos;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

/* Size is set by user space before load (ring_buffer_mb). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 * 1024 * 1024);
} events SEC(".maps");

/* Records that did not fit in the ring buffer, summed over CPUs by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

/* execve/execveat arguments, remembered at syscall entry until its exit tells whether it failed.
 * Only the user pointers are kept: at a failing exit the caller's memory is intact (and was just
 * touched by the kernel, so resident), which keeps this map tiny. LRU: entries of execs that
 * succeeded in another thread id (de_thread) or died past the point of no return age out. */
struct pending_exec {
	__u64 filename;
	__u64 argv;
	__s32 dirfd;
	__u32 at_flags; /* execveat flags (AT_EMPTY_PATH) */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct pending_exec);
} pending SEC(".maps");

/* Wake the reader only once this much (or a quarter of a small ring) is waiting; otherwise it
 * polls on a short timer. Waking it for every record would cost two context switches per exec
 * during a storm. */
#define WAKEUP_BYTES (256 * 1024)

static __always_inline void emit(void *rec, __u64 size)
{
	__u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	__u64 ring = bpf_ringbuf_query(&events, BPF_RB_RING_SIZE);
	__u64 flags = avail >= WAKEUP_BYTES || avail * 4 >= ring ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;

	if (bpf_ringbuf_output(&events, rec, size, flags) != 0) {
		__u32 zero = 0;
		__u64 *n = bpf_map_lookup_elem(&drops, &zero);

		if (n)
			*n += 1;
	}
}

static __always_inline struct scratch *get_scratch(void)
{
	__u32 cpu = bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&scratch, &cpu);
}

/* Kernel string at the write offset; returns bytes written including the NUL. */
static __always_inline __u32 put_kstr(struct scratch *s, const void *src, __u32 max)
{
	long n = bpf_probe_read_kernel_str(&s->data[s->pos & DATA_MASK], max, src);

	if (n <= 0)
		return 0;
	s->pos += n;
	return n;
}

/* Components of (mnt, dentry) from the leaf up, crossing mount points to the root of the mount
 * namespace, as d_path does but without the locks we cannot take here. Returns bytes written.
 * A walk that stops at the limits before the root sets `cut` (the path's *_CUT flag), so user
 * space never mistakes the tail for an absolute path.
 * A global (non-inlined) function: the verifier checks its loop once, not once per call site;
 * kernel pointers are passed as integers because global functions may only take pointers to
 * memory they can size. */
__attribute__((noinline)) __u32 put_path(struct scratch *s, __u64 vmnt_addr, __u64 dentry_addr, __u32 cut)
{
	struct vfsmount *vmnt = (void *)vmnt_addr;
	struct dentry *dentry = (void *)dentry_addr;
	struct mount *mnt = (void *)vmnt - bpf_core_field_offset(struct mount, mnt);
	struct dentry *mnt_root;
	__u32 start;

	if (!s || !vmnt || !dentry)
		return 0;
	start = s->pos;
	mnt_root = BPF_CORE_READ(vmnt, mnt_root);
	for (int i = 0; i < PREC_PATH_DEPTH; i++) {
		if (dentry == mnt_root) {
			struct mount *up = BPF_CORE_READ(mnt, mnt_parent);

			if (up == mnt || !up)
				return s->pos - start;
			dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = up;
			mnt_root = BPF_CORE_READ(mnt, mnt.mnt_root);
			continue;
		}
		struct dentry *parent = BPF_CORE_READ(dentry, d_parent);

		if (parent == dentry && i == 0) {
			/* The leaf itself is a root but not its mount's: a pseudo file no path reaches
			 * (memfd_create's). d_path renders it by its d_dname, which for the files one can
			 * exec (shmem, hugetlbfs) is simple_dname: "/NAME (deleted)". */
			if (BPF_CORE_READ(dentry, d_op, d_dname) && put_kstr(s, BPF_CORE_READ(dentry, d_name.name), PREC_NAME_MAX)) {
				s->pos--; /* the suffix goes before the NUL */
				__builtin_memcpy(&s->data[s->pos & DATA_MASK], " (deleted)", 11);
				s->pos += 11;
			}
			return s->pos - start;
		}
		if (parent == dentry || !parent)
			return s->pos - start; /* root of a filesystem that is not mounted (detached) */
		if (s->pos - start > PREC_PATH_MAX - PREC_NAME_MAX)
			break;
		put_kstr(s, BPF_CORE_READ(dentry, d_name.name), PREC_NAME_MAX);
		dentry = parent;
	}
	s->hdr.c.flags |= cut;
	return s->pos - start;
}

/* enum prec_file_flags of an open file: memfd, no links left, unlinked from its directory. */
static __always_inline __u32 file_flags(struct file *f)
{
	struct dentry *d = BPF_CORE_READ(f, f_path.dentry);
	struct inode *inode = BPF_CORE_READ(f, f_inode);
	__u32 flags = 0;

	if (!d || !inode)
		return 0;
	if (BPF_CORE_READ(inode, i_nlink) == 0)
		flags |= PREC_FILE_NO_LINKS;
	if (BPF_CORE_READ(d, d_parent) == d) {
		/* Pseudo dentry: memfd_create names it "memfd:NAME" on the internal tmpfs or hugetlbfs
		 * mount. Both the name and the filesystem are checked: a file on disk may be called
		 * "memfd:x", but its dentry has a parent. */
		unsigned long magic = BPF_CORE_READ(inode, i_sb, s_magic);
		char name[8] = {};

		if ((magic == TMPFS_MAGIC || magic == HUGETLBFS_MAGIC) &&
		    bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(d, d_name.name)) >= 7 &&
		    name[0] == 'm' && name[1] == 'e' && name[2] == 'm' && name[3] == 'f' && name[4] == 'd' && name[5] == ':')
			flags |= PREC_FILE_MEMFD;
	} else if (!BPF_CORE_READ(d, d_hash.pprev)) {
		flags |= PREC_FILE_UNLINKED; /* d_unlinked(): unhashed and not a root */
	}
	return flags;
}

static __always_inline struct kernfs_node *kn_parent(struct kernfs_node *kn)
{
	if (bpf_core_field_exists(struct kernfs_node___new, __parent))
		return BPF_CORE_READ((struct kernfs_node___new *)kn, __parent);
	return BPF_CORE_READ((struct kernfs_node___old *)kn, parent);
}

/* cgroup v2 path: kernfs names of the default-hierarchy cgroup up to (not including) the root. */
__attribute__((noinline)) __u32 put_cgroup(struct scratch *s, __u64 kn_addr)
{
	struct kernfs_node *kn = (void *)kn_addr;
	__u32 start;

	if (!s)
		return 0;
	start = s->pos;

	for (int i = 0; i < PREC_CGROUP_DEPTH; i++) {
		struct kernfs_node *parent;

		if (!kn)
			return s->pos - start;
		parent = kn_parent(kn);
		if (!parent)
			return s->pos - start;
		if (s->pos - start > PREC_PATH_MAX - PREC_NAME_MAX)
			break;
		put_kstr(s, BPF_CORE_READ(kn, name), PREC_NAME_MAX);
		kn = parent;
	}
	s->hdr.c.flags |= PREC_F_CGROUP_CUT;
	return s->pos - start;
}

/* Controlling terminal: name into the data area (no NUL), encoded device number as
 * /proc/PID/stat field 7 shows it (new_encode_dev of MKDEV(major, minor_start + index)). */
static __always_inline __u32 put_tty(struct scratch *s, struct task_struct *task, __u32 *tty_nr)
{
	struct tty_struct *tty = BPF_CORE_READ(task, signal, tty);
	__u32 major, minor, n;

	*tty_nr = 0;
	if (!tty)
		return 0;
	major = BPF_CORE_READ(tty, driver, major);
	minor = BPF_CORE_READ(tty, driver, minor_start) + BPF_CORE_READ(tty, index);
	*tty_nr = (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
	n = put_kstr(s, &tty->name, PREC_TTY_MAX);
	if (n == 0)
		return 0;
	s->pos--;
	return n - 1;
}

/* Everything a start or fail record knows of `task` (the exec'd or calling task) and its real
 * parent; the argument, filename and exe sections are already written. */
static __always_inline void fill_task(struct scratch *s, struct task_struct *task)
{
	struct prec_task *h = &s->hdr;
	struct task_struct *parent = BPF_CORE_READ(task, real_parent);
	const struct cred *cred = BPF_CORE_READ(task, cred);
	struct fs_struct *fs = BPF_CORE_READ(task, fs);
	struct mm_struct *pmm;
	__u32 n = 0;

	h->c.reserved = 0;
	h->c.pid = BPF_CORE_READ(task, tgid);
	h->c.mono_ns = bpf_ktime_get_ns();
	h->tid = BPF_CORE_READ(task, pid);
	h->ppid = BPF_CORE_READ(parent, tgid);
	h->uid = BPF_CORE_READ(cred, uid.val);
	h->gid = BPF_CORE_READ(cred, gid.val);
	h->euid = BPF_CORE_READ(cred, euid.val);
	h->egid = BPF_CORE_READ(cred, egid.val);
	h->auid = -1;
	h->sessionid = -1;
	if (bpf_core_field_exists(task->loginuid)) {
		h->auid = BPF_CORE_READ(task, loginuid.val);
		h->sessionid = BPF_CORE_READ(task, sessionid);
	}
	BPF_CORE_READ_INTO(&h->comm, task, comm);
	BPF_CORE_READ_INTO(&h->parent_comm, parent, comm);

	if (fs)
		n = put_path(s, (__u64)BPF_CORE_READ(fs, pwd.mnt), (__u64)BPF_CORE_READ(fs, pwd.dentry), PREC_F_CWD_CUT);
	h->len[PREC_S_CWD] = n;

	n = 0;
	pmm = BPF_CORE_READ(parent, mm);
	if (pmm) {
		struct file *f = BPF_CORE_READ(pmm, exe_file);

		if (f)
			n = put_path(s, (__u64)BPF_CORE_READ(f, f_path.mnt), (__u64)BPF_CORE_READ(f, f_path.dentry),
				     PREC_F_PARENT_EXE_CUT);
	}
	h->len[PREC_S_PARENT_EXE] = n;

	h->len[PREC_S_CGROUP] = put_cgroup(s, (__u64)BPF_CORE_READ(task, cgroups, dfl_cgrp, kn));
	h->len[PREC_S_TTY] = put_tty(s, task, &h->tty_nr);
	h->len[PREC_S_PARENT_TTY] = put_tty(s, parent, &h->parent_tty_nr);
}

static __always_inline void emit_task(struct scratch *s)
{
	__u32 pos = s->pos;

	if (pos > PREC_DATA_SIZE)
		pos = PREC_DATA_SIZE;
	emit(s, PREC_TASK_HDR_SIZE + pos);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct *task, int old_pid, struct linux_binprm *bprm)
{
	struct scratch *s = get_scratch();
	struct mm_struct *mm;
	struct file *exe;
	__u64 arg_start, len;
	__u32 n = 0;

	if (!s)
		return 0;
	s->hdr.c.kind = PREC_EXEC;
	s->hdr.c.flags = 0;
	s->hdr.err = 0;
	s->hdr.dirfd = 0;
	s->hdr.argc = BPF_CORE_READ(bprm, argc);

	/* The new program's arguments, straight from its fresh stack (current is the new image). */
	mm = BPF_CORE_READ(task, mm);
	arg_start = BPF_CORE_READ(mm, arg_start);
	len = BPF_CORE_READ(mm, arg_end) - arg_start;
	if (len > PREC_ARGS_MAX) {
		len = PREC_ARGS_MAX;
		s->hdr.c.flags |= PREC_F_ARGS_TRUNCATED;
	}
	if (len && bpf_probe_read_user(s->data, len, (void *)arg_start) != 0) {
		len = 0;
		s->hdr.c.flags |= PREC_F_ARGS_TRUNCATED;
	}
	s->pos = len;
	s->hdr.len[PREC_S_ARGS] = len;

	n = put_kstr(s, BPF_CORE_READ(bprm, filename), PREC_STR_MAX);
	if (n) {
		s->pos--; /* drop the NUL */
		n--;
	}
	s->hdr.len[PREC_S_FILENAME] = n;

	n = 0;
	s->hdr.exe_file = 0;
	exe = BPF_CORE_READ(mm, exe_file);
	if (exe) {
		n = put_path(s, (__u64)BPF_CORE_READ(exe, f_path.mnt), (__u64)BPF_CORE_READ(exe, f_path.dentry),
			     PREC_F_EXE_CUT);
		s->hdr.exe_file = file_flags(exe);
	}
	s->hdr.len[PREC_S_EXE] = n;

	fill_task(s, task);
	/* A non-main thread that execs takes over the group's pid (de_thread): report the thread
	 * id it had, and forget its pending entry, which its syscall exit will not find. */
	s->hdr.tid = old_pid;
	if (old_pid != s->hdr.c.pid) {
		__u32 tid = old_pid;

		bpf_map_delete_elem(&pending, &tid);
	}
	emit_task(s);
	return 0;
}

static __always_inline int remember_exec(__u64 filename, __u64 argv, __s32 dirfd, __u32 at_flags)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pending_exec p = { .filename = filename, .argv = argv, .dirfd = dirfd, .at_flags = at_flags };

	bpf_map_update_elem(&pending, &tid, &p, BPF_ANY);
	return 0;
}

/* Classic syscall tracepoint context: 8 bytes of common fields, the syscall number, then the
 * six argument slots (see events/syscalls/sys_enter_execve/format). */
struct syscall_enter_ctx {
	__u64 common;
	__s64 nr;
	__u64 args[6];
};

struct syscall_exit_ctx {
	__u64 common;
	__s64 nr;
	__s64 ret;
};

SEC("tp/syscalls/sys_enter_execve")
int handle_enter_execve(struct syscall_enter_ctx *ctx)
{
	return remember_exec(ctx->args[0], ctx->args[1], AT_FDCWD, 0);
}

SEC("tp/syscalls/sys_enter_execveat")
int handle_enter_execveat(struct syscall_enter_ctx *ctx)
{
	return remember_exec(ctx->args[1], ctx->args[2], (__s32)ctx->args[0], (__u32)ctx->args[4]);
}

/* The open file behind descriptor `fd` of `task` (files->fdt->fd[fd]), or NULL. */
static __always_inline struct file *task_fd_file(struct task_struct *task, __s32 fd)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *f = 0;

	if (!fdt || fd < 0 || (__u32)fd >= BPF_CORE_READ(fdt, max_fds))
		return 0;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) != 0)
		return 0;
	return f;
}

static __always_inline int exec_returned(struct syscall_exit_ctx *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pending_exec *p = bpf_map_lookup_elem(&pending, &tid);
	struct scratch *s;
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 argv, filename;
	__s64 ret = ctx->ret;
	__u32 used = 0, at_flags;
	__s32 dirfd;
	int argc = 0;

	if (!p)
		return 0;
	argv = p->argv;
	filename = p->filename;
	dirfd = p->dirfd;
	at_flags = p->at_flags;
	s = get_scratch();
	if (ret >= 0 || !s)
		goto out;
	s->hdr.c.kind = PREC_FAIL;
	s->hdr.c.flags = 0;
	s->hdr.err = -ret;
	s->hdr.dirfd = dirfd;
	s->hdr.exe_file = 0;
	s->pos = 0;

	for (int i = 0; i < PREC_FAIL_ARGS; i++) {
		const char *arg = 0;
		long n;

		if (!argv)
			break;
		if (bpf_probe_read_user(&arg, sizeof(arg), (void *)(argv + i * sizeof(arg))) != 0) {
			s->hdr.c.flags |= PREC_F_ARGS_TRUNCATED;
			break;
		}
		if (!arg)
			break;
		if (s->pos > PREC_ARGS_MAX - PREC_STR_MAX) {
			s->hdr.c.flags |= PREC_F_ARGS_TRUNCATED;
			break;
		}
		n = bpf_probe_read_user_str(&s->data[s->pos & DATA_MASK], PREC_STR_MAX, arg);
		if (n <= 0) {
			s->hdr.c.flags |= PREC_F_ARGS_TRUNCATED;
			break;
		}
		if (n == PREC_STR_MAX)
			s->hdr.c.flags |= PREC_F_ARGS_TRUNCATED;
		s->pos += n;
		argc++;
	}
	s->hdr.argc = argc;
	s->hdr.len[PREC_S_ARGS] = s->pos;

	if (filename) {
		long n = bpf_probe_read_user_str(&s->data[s->pos & DATA_MASK], PREC_STR_MAX,
						 (void *)filename);
		if (n > 1) {
			s->pos += n - 1;
			used = n - 1;
		}
	}
	s->hdr.len[PREC_S_FILENAME] = used;

	/* execveat with a relative name, or an empty one with AT_EMPTY_PATH: the attempted path is
	 * relative to dirfd, which is still open here but may be gone (with the whole process) by
	 * the time user space could read /proc/PID/fd: resolve it now. */
	used = 0;
	if (dirfd != AT_FDCWD) {
		bool relative = s->hdr.len[PREC_S_FILENAME] > 0 &&
				s->data[(s->pos - s->hdr.len[PREC_S_FILENAME]) & DATA_MASK] != '/';
		bool empty = s->hdr.len[PREC_S_FILENAME] == 0 && (at_flags & AT_EMPTY_PATH);
		struct file *f = relative || empty ? task_fd_file(task, dirfd) : 0;

		if (f) {
			used = put_path(s, (__u64)BPF_CORE_READ(f, f_path.mnt), (__u64)BPF_CORE_READ(f, f_path.dentry),
					PREC_F_EXE_CUT);
			s->hdr.c.flags |= PREC_F_EXE_IS_DIRFD;
			if (empty)
				s->hdr.exe_file = file_flags(f); /* the fd is the file whose exec failed */
		}
	}
	s->hdr.len[PREC_S_EXE] = used;

	fill_task(s, task);
	emit_task(s);
out:
	bpf_map_delete_elem(&pending, &tid);
	return 0;
}

SEC("tp/syscalls/sys_exit_execve")
int handle_exit_execve(struct syscall_exit_ctx *ctx)
{
	return exec_returned(ctx);
}

SEC("tp/syscalls/sys_exit_execveat")
int handle_exit_execveat(struct syscall_exit_ctx *ctx)
{
	return exec_returned(ctx);
}

/* group_dead is true for the one thread whose exit brought signal->live to 0, i.e. the last
 * thread of the group, whichever it is (the main thread may have exited long before); testing
 * signal->live ourselves would race when two threads exit at once. The status is the one
 * wait_task_zombie() hands the parent: the group exit code when the group is being torn down
 * (exit_group, fatal signal), else the leader's exit_code (which recent kernels set to the last
 * thread's code when the leader went first; the e2e test compares with the real wait status). */
static __always_inline int emit_exit(struct task_struct *task)
{
	struct task_struct *leader;
	struct signal_struct *sig;
	struct prec_exit e;

	leader = BPF_CORE_READ(task, group_leader);
	if (BPF_CORE_READ(leader, flags) & PF_FORKNOEXEC)
		return 0; /* never exec'd since fork: there is no start record to end */
	sig = BPF_CORE_READ(task, signal);
	e.c.kind = PREC_EXIT;
	e.c.flags = 0;
	e.c.reserved = 0;
	e.c.pid = BPF_CORE_READ(task, tgid);
	e.c.mono_ns = bpf_ktime_get_ns();
	if (BPF_CORE_READ(sig, flags) & SIGNAL_GROUP_EXIT)
		e.exit_code = BPF_CORE_READ(sig, group_exit_code);
	else
		e.exit_code = BPF_CORE_READ(leader, exit_code);
	e.reserved = 0;
	emit(&e, sizeof(e));
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_exit, struct task_struct *task, bool group_dead)
{
	if (!group_dead)
		return 0;
	return emit_exit(task);
}

/* Kernels before 6.16 pass no group_dead; there the tracepoint still runs after this thread's
 * decrement of signal->live, so 0 means it was the last one (two threads exiting at the same
 * instant can both see 0: user space ignores an exit for a pid it already ended). The addon
 * loads exactly one of the two programs, by the tracepoint's BTF prototype. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_exit_live, struct task_struct *task)
{
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	return emit_exit(task);
}

/* Ring-buffer record layouts and limits, shared by prec.bpf.c and the addon. The TypeScript
 * decoder (src/daemon/kernel/decoder.ts) mirrors these offsets: change both together.
 *
 * Every record starts with the same 16 bytes (kind, flags, pid, mono_ns). Exec and fail records
 * continue with the fixed task header below and then a variable data area holding, back to back
 * and in this order, the sections whose byte lengths are in len[]:
 *   ARGS      argument bytes, each argument followed by NUL (exec: copied from the new mm's
 *             arg_start..arg_end; fail: read one by one through the attempted argv array)
 *   FILENAME  the path given to exec (no NUL)
 *   EXE, CWD, PARENT_EXE, CGROUP
 *             paths as NUL-terminated components from the LEAF UP to the root, so the kernel can
 *             emit them in one pass; user space reverses them and joins with '/'. No component
 *             means '/'. A walk that hit PREC_PATH_DEPTH or PREC_PATH_MAX before the root keeps
 *             the leaf-side components it has and sets the path's *_CUT flag: the root side is
 *             missing, so the components are a tail, not an absolute path.
 *             A pseudo file that no path reaches (a memfd) is one component rendered as d_path
 *             renders it (simple_dname): "memfd:NAME (deleted)", so the path is "/memfd:NAME (deleted)"
 *             as /proc/PID/exe shows it.
 *             In a FAIL record EXE is empty, unless PREC_F_EXE_IS_DIRFD: then it holds the path of
 *             execveat's dirfd (the directory a relative name is resolved in, or with AT_EMPTY_PATH
 *             and an empty name the file itself), read at syscall exit while the fd is still open.
 *   TTY, PARENT_TTY   tty->name (`pts3`, `tty1`; no NUL), empty when there is no terminal
 * Records carry only the bytes used (bpf_ringbuf_output of header + data length). */
#ifndef PREC_H
#define PREC_H

#include <linux/types.h>

#define PREC_ARGS_MAX 32768       /* argument bytes copied per exec */
#define PREC_PATH_MAX 4096        /* bytes of components per resolved path */
#define PREC_NAME_MAX 256         /* one path/cgroup component, with its NUL */
#define PREC_PATH_DEPTH 64        /* components (and mount crossings) walked per path */
#define PREC_CGROUP_DEPTH 32      /* cgroup nesting walked */
#define PREC_STR_MAX 4096         /* filename */
#define PREC_TTY_MAX 64           /* tty->name */
#define PREC_FAIL_ARGS 256        /* argv pointers followed for a failed exec */
#define PREC_DATA_SIZE 65536      /* data area; power of two: offsets are masked with it - 1 */
#define PREC_DATA_SLACK 4096      /* room past a masked offset for one bounded string read */

enum prec_kind {
	PREC_EXEC = 1,
	PREC_FAIL = 2,
	PREC_EXIT = 3,
};

enum prec_flags {
	PREC_F_ARGS_TRUNCATED = 1, /* not every argument byte could be copied */
	/* 2 is unused (was: some path was cut; now one flag per path) */
	PREC_F_EXE_CUT = 4,        /* EXE hit the depth/length limits: root side missing */
	PREC_F_CWD_CUT = 8,
	PREC_F_PARENT_EXE_CUT = 16,
	PREC_F_CGROUP_CUT = 32,
	PREC_F_EXE_IS_DIRFD = 64,  /* FAIL: EXE holds the path of execveat's dirfd */
};

/* What the kernel knows of an executed file beyond its path, read from the open file at exec. */
enum prec_file_flags {
	PREC_FILE_MEMFD = 1,     /* a memfd_create file: pseudo dentry "memfd:NAME" on tmpfs/hugetlbfs */
	PREC_FILE_NO_LINKS = 2,  /* inode i_nlink == 0: deleted, or never linked (memfd, O_TMPFILE) */
	PREC_FILE_UNLINKED = 4,  /* its dentry was unlinked from the directory it was opened in (d_unlinked):
	                          * /proc/PID/exe shows the path with " (deleted)" */
};

enum prec_section {
	PREC_S_ARGS,
	PREC_S_FILENAME,
	PREC_S_EXE,
	PREC_S_CWD,
	PREC_S_PARENT_EXE,
	PREC_S_CGROUP,
	PREC_S_TTY,
	PREC_S_PARENT_TTY,
	PREC_S_COUNT,
};

struct prec_common {
	__u8 kind;      /* enum prec_kind */
	__u8 flags;     /* enum prec_flags */
	__u16 reserved;
	__u32 pid;      /* thread-group id */
	__u64 mono_ns;  /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
};

/* PREC_EXIT, 24 bytes: the last thread of the group `pid` has exited. */
struct prec_exit {
	struct prec_common c;
	__u32 exit_code; /* wait status: (code << 8) | termsig [| 0x80 core] */
	__u32 reserved;
};

/* PREC_EXEC and PREC_FAIL: fixed part (120 bytes), then the data area. */
struct prec_task {
	struct prec_common c;        /* 0 */
	__u32 tid;                   /* 16 */
	__u32 ppid;                  /* 20: real parent's tgid */
	__u32 uid, gid, euid, egid;  /* 24 */
	__u32 auid, sessionid;       /* 40 */
	__u32 tty_nr, parent_tty_nr; /* 48: new_encode_dev(tty device), 0 when none */
	__s32 argc;                  /* 56: bprm->argc (exec) / arguments read (fail) */
	__s32 err;                   /* 60: fail: positive errno */
	__s32 dirfd;                 /* 64: fail: execveat dirfd, AT_FDCWD (-100) for execve */
	__u16 len[PREC_S_COUNT];     /* 68: section lengths, enum prec_section order */
	char comm[16];               /* 84 */
	char parent_comm[16];        /* 100 */
	__u32 exe_file;              /* 116: enum prec_file_flags of the executed file (exec), or of
	                              * the attempted one when the kernel had it open (fail: execveat
	                              * with AT_EMPTY_PATH and an empty name); 0 otherwise */
};                               /* data area starts at 120 */

#define PREC_TASK_HDR_SIZE 120

#endif

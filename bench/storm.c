// Exec storm: P worker processes each fork+exec a short-lived program N/P times, one after the
// other, every exec with a unique argv marker `PREFIX-W-I` (worker W, index I) so that a tracer's
// output can be checked marker by marker. Prints one JSON line with its own wall time.
//
//   storm N P PREFIX [PROGRAM]        (PROGRAM defaults to /bin/true)
//
// fork+execve+waitpid is what a shell or a CGI-style service does; the child runs PROGRAM with
// argv = { PROGRAM, MARKER }.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

// Runs `count` execs; returns the number that did not exit 0.
static long worker(int w, long count, const char *prefix, const char *prog) {
    char marker[256];
    long failed = 0;
    for (long i = 0; i < count; i++) {
        snprintf(marker, sizeof marker, "%s-%d-%ld", prefix, w, i);
        char *argv[] = {(char *)prog, marker, NULL};
        pid_t pid = fork();
        if (pid < 0) {
            failed++;
            continue;
        }
        if (pid == 0) {
            execve(prog, argv, environ);
            _exit(127);
        }
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) failed++;
    }
    return failed;
}

int main(int argc, char **argv) {
    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: storm N P PREFIX [PROGRAM]\n");
        return 2;
    }
    long n = strtol(argv[1], NULL, 10);
    int p = (int)strtol(argv[2], NULL, 10);
    const char *prefix = argv[3];
    const char *prog = argc == 5 ? argv[4] : "/bin/true";
    if (n <= 0 || p <= 0 || p > 1024 || strlen(prefix) > 200) {
        fprintf(stderr, "storm: N and P must be positive (P <= 1024), PREFIX at most 200 chars\n");
        return 2;
    }

    double t0 = now();
    pid_t *pids = calloc((size_t)p, sizeof *pids);
    for (int w = 0; w < p; w++) {
        // Spread the remainder so that exactly N execs run in total.
        long count = n / p + (w < n % p ? 1 : 0);
        pid_t pid = fork();
        if (pid < 0) {
            perror("storm: fork");
            return 1;
        }
        if (pid == 0) {
            long failed = worker(w, count, prefix, prog);
            _exit(failed > 255 ? 255 : (int)failed);
        }
        pids[w] = pid;
    }
    long failed = 0;
    for (int w = 0; w < p; w++) {
        int status;
        while (waitpid(pids[w], &status, 0) < 0 && errno == EINTR) {
        }
        if (WIFEXITED(status)) failed += WEXITSTATUS(status);
        else failed += 1;
    }
    double wall = now() - t0;
    // CPU of every process of the storm (workers and the programs they ran, all waited for): less
    // sensitive than wall time to other load on a shared machine; includes in-kernel probe time.
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
                 (double)ru.ru_stime.tv_usec / 1e6;
    printf("{\"n\":%ld,\"p\":%d,\"prefix\":\"%s\",\"program\":\"%s\",\"wall_s\":%.6f,\"cpu_s\":%.6f,\"execs_per_s\":%.1f,\"failed\":%ld}\n",
           n, p, prefix, prog, wall, cpu, (double)n / wall, failed);
    return failed == 0 ? 0 : 1;
}

// Paced execs: fork+exec PROGRAM at a steady RATE per second for SECONDS, each with a unique argv
// marker `PREFIX-I`, started at absolute deadlines (a late start does not shift the ones after it).
// Children are reaped without waiting, so a slow child never delays the next start; but at most
// MAX_OUTSTANDING run at once: a start due while that many are still running is skipped (counted),
// so that a machine that cannot run RATE execs/s is not buried under thousands of waiting children
// (an uncapped run at 500/s on a loaded 2-core VM took the load average past 10,000).
// Prints one JSON line: how many were started and skipped, the wall time, the latest start behind
// schedule.
//
//   pace RATE SECONDS PREFIX [PROGRAM]        (PROGRAM defaults to /bin/true)
#define _GNU_SOURCE
#include <signal.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_OUTSTANDING 256

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: pace RATE SECONDS PREFIX [PROGRAM]\n");
        return 2;
    }
    double rate = strtod(argv[1], NULL);
    double seconds = strtod(argv[2], NULL);
    const char *prefix = argv[3];
    const char *prog = argc == 5 ? argv[4] : "/bin/true";
    if (rate <= 0 || seconds <= 0 || strlen(prefix) > 200) {
        fprintf(stderr, "pace: bad arguments\n");
        return 2;
    }
    long n = (long)(rate * seconds);
    long failed = 0, skipped = 0, outstanding = 0;
    double behind_max = 0;
    char marker[256];
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    double start = now();
    for (long i = 0; i < n; i++) {
        double due = (double)i / rate;
        long long ns = (long long)t0.tv_nsec + (long long)(due * 1e9);
        struct timespec at = {t0.tv_sec + (time_t)(ns / 1000000000LL), (long)(ns % 1000000000LL)};
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL);
        double behind = now() - start - due;
        if (behind > behind_max) behind_max = behind;
        while (outstanding > 0 && waitpid(-1, NULL, WNOHANG) > 0) outstanding--;
        if (outstanding >= MAX_OUTSTANDING) {
            skipped++;
            continue;
        }
        snprintf(marker, sizeof marker, "%s-%ld", prefix, i);
        char *args[] = {(char *)prog, marker, NULL};
        pid_t pid = fork();
        if (pid < 0) {
            failed++;
        } else if (pid > 0) {
            outstanding++;
        } else {
            execve(prog, args, environ);
            _exit(127);
        }
    }
    double wall = now() - start;
    while (outstanding > 0 && waitpid(-1, NULL, 0) > 0) outstanding--;
    printf("{\"n\":%ld,\"failed\":%ld,\"skipped\":%ld,\"wall_s\":%.3f,\"execs_per_s\":%.1f,\"behind_max_ms\":%.1f}\n", n, failed,
           skipped, wall, (double)(n - failed - skipped) / wall, behind_max * 1000);
    return 0;
}

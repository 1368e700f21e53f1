/* One plan through the C ABI, timed: prints a JSON line with the wall time
 * and CPU time of resolver_compute_plan alone and the process's peak RSS
 * (VmHWM).
 * Usage: bench_plan CONFIG.json */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wheel_resolver.h"

static double now_ms(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* VmHWM of this process in kB, from /proc/self/status (ru_maxrss would
 * include the parent's pages a fork copied before exec). -1 if unknown. */
static long vmhwm_kb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0) kb = strtol(line + 6, NULL, 10);
    fclose(f);
    return kb;
}

static size_t count(const char *hay, const char *needle) {
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle)) n++;
    return n;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s CONFIG.json\n", argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    static char config[1 << 16];
    size_t len = fread(config, 1, sizeof config - 1, f);
    fclose(f);
    config[len] = '\0';

    double wall0 = now_ms(CLOCK_MONOTONIC), cpu0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
    char *plan = resolver_compute_plan(config);
    double wall = now_ms(CLOCK_MONOTONIC) - wall0, cpu = now_ms(CLOCK_PROCESS_CPUTIME_ID) - cpu0;

    long hwm = vmhwm_kb();
    int failed = strncmp(plan, "{\"error\"", 8) == 0;
    printf("{\"wall_ms\": %.2f, \"cpu_ms\": %.2f, \"maxrss_kb\": %ld, \"bytes\": %zu, \"reuse\": %zu, \"build\": %zu, \"error\": %s}\n",
           wall, cpu, hwm, strlen(plan), count(plan, "\"action\":\"reuse\""),
           count(plan, "\"action\":\"build\""), failed ? "true" : "false");
    if (failed) fprintf(stderr, "%.400s\n", plan);
    resolver_free_string(plan);
    return failed;
}
